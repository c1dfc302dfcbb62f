using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// The framing one protocol gives <see cref="ResponseWriter"/>, which owns the order a scripted or
/// streamed response is written in: each member puts one part of the response on the wire in the
/// protocol's own way (HTTP/1.1: a status line, fields, a raw or chunked body over the socket; HTTP/2:
/// HEADERS and DATA frames on one stream). HTTP/1.1 implements it on its session, HTTP/2 on the stream.
/// </summary>
internal interface IResponseFraming
{
    /// <summary>The server's clock: delays, the throttle and paced bodies wait on it.</summary>
    TimeProvider Time { get; }

    /// <summary>What effects act on: the HTTP/1 connection, or the HTTP/2 stream.</summary>
    ISocketEffectTarget EffectTarget { get; }

    /// <summary>
    /// True when the body sink keeps a reference to written bytes until they are sent (HTTP/2's queued
    /// DATA frames), so a relayed body must read into a fresh buffer each time.
    /// </summary>
    bool BodySinkKeepsWrites { get; }

    /// <summary>Writes one interim (1xx) response (RFC 9110 section 15.2).</summary>
    ValueTask WriteInformationalAsync(MockResponse informational, CancellationToken cancellationToken);

    /// <summary>Pushes what was written so far to the wire (before a delay, or at the end).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Writes the response broken as <paramref name="fault"/> says, with <paramref name="body"/> (empty unless content is due).</summary>
    ValueTask WriteMalformedAsync(MockResponse response, ResponseContent content, MalformedResponse fault, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>Writes the head and the trailer fields as the whole response, with no body (gRPC's Trailers-Only).</summary>
    ValueTask WriteTrailersOnlyAsync(MockResponse response, ResponseContent content, CancellationToken cancellationToken);

    /// <summary>
    /// True when the protocol writes this response (no interim responses, delays, decorators or
    /// streamed body; <paramref name="body"/> is empty unless content is due) at once in its fastest
    /// way, <see cref="WriteWholeAsync"/>: HTTP/1.1 coalesces a small fixed-length body with the head,
    /// HTTP/2 queues HEADERS (and one DATA frame) as one writer item.
    /// </summary>
    bool CanWriteWhole(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content);

    /// <summary>Writes the whole response <see cref="CanWriteWhole"/> accepted, head, body and end.</summary>
    ValueTask WriteWholeAsync(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the head with the framing the protocol chooses for <paramref name="content"/> (HTTP/1.1:
    /// Content-Length or chunked). Unless content is <see cref="ResponseContent.Body"/>, the head ends the response.
    /// </summary>
    ValueTask WriteHeadAsync(MockResponse response, ResponseContent content, CancellationToken cancellationToken);

    /// <summary>After the head: writes <paramref name="body"/> undecorated, then ends the body with the trailers.</summary>
    ValueTask WriteBodyAsync(MockResponse response, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>
    /// After the head: the stream the body is written to, framed by the protocol, behind
    /// <paramref name="throttle"/> when set (the protocol places it relative to its framing). Writing
    /// never ends the body; <see cref="EndBodyAsync"/> does.
    /// </summary>
    Stream OpenBody(MockResponse response, Throttle? throttle);

    /// <summary>
    /// Ends <paramref name="body"/>, the stream <see cref="OpenBody"/> or <see cref="OpenDuplexBody"/>
    /// returned, with <paramref name="trailers"/> (the response's, or those a duplex handler decided), and flushes.
    /// </summary>
    ValueTask EndBodyAsync(Stream body, MockHeaders trailers, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the head of a duplex response, whose length is whatever its handler writes: HTTP/1.1
    /// frames it chunked unless the script chose a length or another coding; HTTP/2 sends no content-length.
    /// Only for a response that may carry content: <see cref="DuplexResponseWriter"/> writes a response to
    /// HEAD, a 1xx, 204 or 304 with <see cref="WriteHeadAsync"/> instead, the head being the whole response.
    /// </summary>
    ValueTask WriteDuplexHeadAsync(MockResponse response, CancellationToken cancellationToken);

    /// <summary>
    /// After the duplex head: the stream a duplex handler writes its body to, framed by the protocol.
    /// HTTP/2 copies and flushes each write, as for a tunnel (the handler may reuse its buffer at once
    /// and expects a message on the wire when its write completes). Writing never ends the body;
    /// <see cref="EndBodyAsync"/> does.
    /// </summary>
    Stream OpenDuplexBody();

    /// <summary>
    /// A duplex handler failed part way: the response is cut short so the client cannot take it as
    /// whole. HTTP/1.1 writes no last chunk and the connection closes once the pipeline returns;
    /// HTTP/2 resets the stream with INTERNAL_ERROR (RFC 9113 section 8.1).
    /// </summary>
    ValueTask CutResponseAsync();

    /// <summary>
    /// A duplex handler's 2xx to CONNECT, where the protocol carries the tunnel on the connection itself
    /// (HTTP/1.1, RFC 9110 section 9.3.6): writes the head without Content-Length or Transfer-Encoding
    /// and returns the raw streams the handler reads (the client's bytes after the request head, to its
    /// FIN) and writes; the connection is never used for HTTP again. Null, with nothing written, where
    /// the tunnel is the ordinary duplex body (HTTP/2: the stream's DATA, RFC 9113 section 8.5).
    /// </summary>
    ValueTask<(Stream Input, Stream Output)?> OpenConnectionTunnelAsync(MockResponse response, CancellationToken cancellationToken);

    /// <summary>The handler returned: the server's side of the tunnel <see cref="OpenConnectionTunnelAsync"/> opened ends (HTTP/1.1: a FIN).</summary>
    ValueTask EndConnectionTunnelAsync(CancellationToken cancellationToken);
}
