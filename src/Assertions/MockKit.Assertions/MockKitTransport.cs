namespace MockKit.Assertions;

/// <summary>How <c>MockKit.Xunit.MockKitTest</c> (packages MockKit.Xunit and MockKit.Xunit.V3) wires its server and client together.</summary>
public enum MockKitTransport
{
    /// <summary>Cleartext HTTP/1.1 (the default).</summary>
    Http11,

    /// <summary>HTTPS with <see cref="Tls.HandshakeCertificates.Localhost"/>, HTTP/1.1 only.</summary>
    Https,

    /// <summary>HTTPS with <see cref="Tls.HandshakeCertificates.Localhost"/>, HTTP/2 chosen by ALPN (HTTP/1.1 offered as fallback).</summary>
    Http2,

    /// <summary>Cleartext HTTP/2 with prior knowledge.</summary>
    H2PriorKnowledge,
}
