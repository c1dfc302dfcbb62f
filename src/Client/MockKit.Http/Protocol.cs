namespace MockKit;

/// <summary>
/// An HTTP protocol version as negotiated on a connection (by ALPN, by prior knowledge or by
/// the request line), named the way <c>Protocols</c> lists on the server and the client use it.
/// </summary>
public enum Protocol
{
    /// <summary>HTTP/1.0 (RFC 1945): one exchange per connection unless keep-alive is negotiated.</summary>
    Http10,

    /// <summary>HTTP/1.1 (RFC 9112), ALPN identifier <c>http/1.1</c>.</summary>
    Http11,

    /// <summary>HTTP/2 over TLS chosen by ALPN (RFC 9113 section 3.2), identifier <c>h2</c>.</summary>
    Http2,

    /// <summary>Cleartext HTTP/2 started with prior knowledge (RFC 9113 section 3.3): the client
    /// sends the connection preface at once, with no upgrade or ALPN.</summary>
    H2PriorKnowledge,
}
