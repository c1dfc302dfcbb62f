using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MockKit;

/// <summary>
/// The facts of one completed TLS handshake, as seen from one side: the version and cipher
/// suite agreed, the ALPN protocol chosen, the SNI name asked for, and the certificates each
/// side presented. Immutable and safe to share between threads.
/// </summary>
public sealed class TlsHandshake
{
    /// <summary>Creates a handshake record from its parts.</summary>
    /// <param name="tlsVersion">The negotiated protocol version.</param>
    /// <param name="cipherSuite">The negotiated cipher suite.</param>
    /// <param name="applicationProtocol">The ALPN protocol, or null when none was negotiated.</param>
    /// <param name="serverName">The SNI host name the client asked for, or null when it sent none.</param>
    /// <param name="peerCertificates">The certificates the peer presented, leaf first (empty when none).</param>
    /// <param name="localCertificates">The certificates this side presented, leaf first (empty when none).</param>
    public TlsHandshake(
        SslProtocols tlsVersion,
        TlsCipherSuite cipherSuite,
        string? applicationProtocol,
        string? serverName,
        IReadOnlyList<X509Certificate2> peerCertificates,
        IReadOnlyList<X509Certificate2> localCertificates)
    {
        ArgumentNullException.ThrowIfNull(peerCertificates);
        ArgumentNullException.ThrowIfNull(localCertificates);
        TlsVersion = tlsVersion;
        CipherSuite = cipherSuite;
        ApplicationProtocol = applicationProtocol;
        ServerName = serverName;
        PeerCertificates = peerCertificates;
        LocalCertificates = localCertificates;
    }

    /// <summary>The negotiated TLS version, for example <see cref="SslProtocols.Tls13"/>.</summary>
    public SslProtocols TlsVersion { get; }

    /// <summary>The negotiated cipher suite.</summary>
    public TlsCipherSuite CipherSuite { get; }

    /// <summary>The ALPN protocol both sides agreed on (<c>h2</c>, <c>http/1.1</c>), or null when ALPN was not used.</summary>
    public string? ApplicationProtocol { get; }

    /// <summary>The server name (SNI) the client asked for, or null when it sent none (IP literals carry no SNI).</summary>
    public string? ServerName { get; }

    /// <summary>The certificates the peer presented, leaf first; empty when it presented none.</summary>
    public IReadOnlyList<X509Certificate2> PeerCertificates { get; }

    /// <summary>The certificates this side presented, leaf first; empty when it presented none.</summary>
    public IReadOnlyList<X509Certificate2> LocalCertificates { get; }

    /// <summary>Reads the handshake facts off an authenticated <see cref="SslStream"/>.</summary>
    /// <param name="stream">A stream whose handshake has completed.</param>
    /// <param name="serverName">The SNI name (the server side reads it from the stream's target host).</param>
    /// <param name="peerChain">The peer's chain as validated, leaf first; the remote certificate alone when null.</param>
    /// <returns>The handshake record.</returns>
    public static TlsHandshake FromStream(SslStream stream, string? serverName, IReadOnlyList<X509Certificate2>? peerChain = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var alpn = stream.NegotiatedApplicationProtocol.Protocol.IsEmpty
            ? null
            : stream.NegotiatedApplicationProtocol.ToString();
        IReadOnlyList<X509Certificate2> peer = peerChain
            ?? (stream.RemoteCertificate is { } remote ? [new X509Certificate2(remote)] : []);
        IReadOnlyList<X509Certificate2> local = stream.LocalCertificate is { } localCert
            ? [new X509Certificate2(localCert)]
            : [];
        return new TlsHandshake(
            stream.SslProtocol,
            stream.NegotiatedCipherSuite,
            alpn,
            string.IsNullOrEmpty(serverName) ? null : serverName,
            peer,
            local);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{TlsVersion} {CipherSuite} alpn={ApplicationProtocol ?? "-"} sni={ServerName ?? "-"} peerCerts={PeerCertificates.Count}";
}
