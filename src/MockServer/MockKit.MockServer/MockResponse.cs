using System.Net.WebSockets;
using MockKit.MockServer.Http1;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer;

/// <summary>
/// A scripted response: status, headers, body and the ways it should misbehave. Set it up
/// with an object initializer, then hand it to <see cref="MockWebServer.Enqueue"/> or return
/// it from a <see cref="Dispatcher"/>.
/// </summary>
/// <remarks>
/// Not thread-safe while being configured; once enqueued it is only read, so one instance
/// may be served more than once (e.g. by a dispatcher returning a shared response).
/// Unless the test sets <c>Content-Length</c> or <c>Transfer-Encoding</c> itself, HTTP/1 responses get a
/// correct <c>Content-Length</c> (or <c>Transfer-Encoding: chunked</c> when <see cref="ChunkSize"/> is set).
/// <para>Over HTTP/2 the status goes in <c>:status</c> (no reason phrase), header names are sent in
/// lower case, and the connection-specific fields <c>Connection</c>, <c>Keep-Alive</c>,
/// <c>Proxy-Connection</c>, <c>Transfer-Encoding</c> and <c>Upgrade</c> are dropped (RFC 9113
/// section 8.2.2 makes a message carrying them malformed); <c>content-length</c> is added for a
/// body without trailers unless set. <see cref="ChunkSize"/> is ignored (DATA frames follow the
/// client's max frame size and flow-control windows); <see cref="Trailers"/> become a final HEADERS
/// frame with END_STREAM; <see cref="InformationalResponses"/> become 1xx HEADERS frames.</para>
/// </remarks>
public sealed partial class MockResponse
{
    private int _code = 200;
    private int? _chunkSize;
    private long _onResponseBodyAfterBytes = -1;

    /// <summary>A <c>200 OK</c> with an empty body.</summary>
    public MockResponse()
    {
    }

    /// <summary>A <c>200 OK</c> carrying <paramref name="body"/> as UTF-8.</summary>
    /// <param name="body">The body text.</param>
    public MockResponse(string body)
    {
        Body = body;
    }

    /// <summary>A response with status <paramref name="code"/> and body <paramref name="body"/>.</summary>
    /// <param name="code">The status code (100-999).</param>
    /// <param name="body">The body text.</param>
    public MockResponse(int code, string body = "")
    {
        Code = code;
        Body = body;
    }

    /// <summary>The status code; default 200; range 100-999 (RFC 9110 section 15: three digits).</summary>
    public int Code
    {
        get => _code;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 100);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 999);
            _code = value;
        }
    }

    /// <summary>The HTTP/1 reason phrase; null (the default) uses the standard phrase for <see cref="Code"/>.</summary>
    public string? Reason { get; set; }

    /// <summary>Header fields, in order; sent as given.</summary>
    public MockHeaders Headers { get; init; } = new();

    /// <summary>The body; empty by default. Assign a string (UTF-8) or a byte array.</summary>
    public MockBody Body { get; set; } = MockBody.Empty;

    /// <summary>Paces the body; null (the default) writes it at full speed.</summary>
    public Throttle? Throttle { get; set; }

    /// <summary>
    /// When set, the HTTP/1 body is sent with <c>Transfer-Encoding: chunked</c> in chunks of at
    /// most this many bytes (at least 1). Null (the default) sends a fixed-length body.
    /// </summary>
    public int? ChunkSize
    {
        get => _chunkSize;
        set
        {
            if (value is { } size)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
            }

            _chunkSize = value;
        }
    }

    /// <summary>
    /// Trailer fields sent after the body. On HTTP/1 they need the chunked coding, so a response
    /// with trailers is sent chunked (one chunk of the whole body unless <see cref="ChunkSize"/> is set).
    /// </summary>
    public MockHeaders Trailers { get; init; } = new();

    /// <summary>The named misbehaviour; <see cref="SocketPolicy.KeepOpen"/> by default.</summary>
    public SocketPolicy SocketPolicy { get; set; } = SocketPolicy.KeepOpen;

    /// <summary>How long to wait before sending the status line and headers (on the server's <see cref="TimeProvider"/>).</summary>
    public TimeSpan HeadersDelay { get; set; }

    /// <summary>How long to wait after the headers before sending the body.</summary>
    public TimeSpan BodyDelay { get; set; }

    /// <summary>Informational (1xx) responses sent before this one, in order.</summary>
    public IList<MockResponse> InformationalResponses { get; init; } = new List<MockResponse>();

    /// <summary>HTTP/2 server pushes sent before this response (ignored on HTTP/1).</summary>
    public IList<PushPromise> PushPromises { get; init; } = new List<PushPromise>();

    /// <summary>
    /// HTTP/2 only: SETTINGS the server sends to the client just before this response's HEADERS
    /// (e.g. a new MAX_CONCURRENT_STREAMS or INITIAL_WINDOW_SIZE). Null (the default) sends none.
    /// The server applies them to its own enforcement once the client acknowledges them.
    /// </summary>
    public Http2Settings? Settings { get; set; }

    /// <summary>
    /// A framing fault to write in place of the correct head or body (e.g.
    /// <see cref="MalformedResponse.BadChunkSize"/>); see <see cref="MalformedResponse"/> for what goes
    /// on the wire over HTTP/1.1 and HTTP/2. Null (the default): a well-formed response.
    /// </summary>
    public MalformedResponse? Malformed { get; set; }

    /// <summary>Effect when the request starts, before it is read; overrides <see cref="SocketPolicy"/>'s.</summary>
    public SocketEffect? OnRequestStart { get; set; }

    /// <summary>Effect after half of the request body is read; overrides <see cref="SocketPolicy"/>'s.</summary>
    public SocketEffect? OnRequestBody { get; set; }

    /// <summary>Effect once the request is recorded, before any response byte; overrides <see cref="SocketPolicy"/>'s.</summary>
    public SocketEffect? OnResponseStart { get; set; }

    /// <summary>Effect after <see cref="OnResponseBodyAfterBytes"/> body bytes are sent; overrides <see cref="SocketPolicy"/>'s.</summary>
    public SocketEffect? OnResponseBody { get; set; }

    /// <summary>Body bytes to send before <see cref="OnResponseBody"/> fires; -1 (the default) for half the body.</summary>
    public long OnResponseBodyAfterBytes
    {
        get => _onResponseBodyAfterBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, -1);
            _onResponseBodyAfterBytes = value;
        }
    }

    /// <summary>Effect after the whole response is sent; overrides <see cref="SocketPolicy"/>'s.</summary>
    public SocketEffect? OnResponseEnd { get; set; }

    /// <summary>
    /// When set, the exchange becomes a WebSocket served by this handler with a server-side
    /// <see cref="WebSocket"/> (the runtime's RFC 6455 implementation). Over HTTP/1.1 the request must
    /// be a valid opening handshake (RFC 6455 section 4.2.1) and is answered <c>101 Switching
    /// Protocols</c> with <c>Sec-WebSocket-Accept</c>; over HTTP/2 it must be an RFC 8441 extended
    /// CONNECT (<c>:protocol websocket</c>) and is answered <c>:status 200</c>. <see cref="Code"/> and
    /// <see cref="Body"/> are not sent. A bad handshake is answered 400 (426 with
    /// <c>Sec-WebSocket-Version: 13</c> for another version) and recorded with
    /// <see cref="RecordedRequest.Failure"/> set. A <c>Sec-WebSocket-Protocol</c> in <see cref="Headers"/>
    /// selects the subprotocol; it must be one the client offered. Null (the default): no WebSocket.
    /// </summary>
    /// <remarks>
    /// The handler's token is cancelled when the server shuts down (the socket is closed then too).
    /// When the handler returns with the WebSocket still open, the server sends a close frame
    /// (1000) and closes the connection; an upgraded HTTP/1.1 connection is never reused. A handler
    /// that throws has its exception set as the request's <see cref="RecordedRequest.Failure"/>.
    /// <see cref="OnResponseBody"/> counts the bytes of WebSocket frames the server writes after the
    /// handshake, so <c>OnResponseBodyAfterBytes = n</c> cuts a frame part way; connection-level
    /// policies apply as for any response.
    /// </remarks>
    public Func<WebSocket, CancellationToken, Task>? WebSocketHandler { get; init; }

    /// <summary>
    /// When set, the exchange is duplex: the status line and headers go out first, then the handler
    /// runs with (request body, response body) streams, reading the request body as it arrives while
    /// writing the response body; the response ends when the handler returns. Over HTTP/1.1 the
    /// response body is chunked (unless <see cref="Headers"/> set <c>Content-Length</c>); over HTTP/2
    /// both directions are independent DATA, each under its flow-control windows. <see cref="Body"/>
    /// is not sent. Null (the default): an ordinary response.
    /// </summary>
    /// <remarks>
    /// The request is recorded when its body ended, as usual. True duplex needs the response known
    /// when the request head arrives: an enqueued response or a <see cref="RouteDispatcher"/> route.
    /// A response from a custom <see cref="Dispatcher"/> is dispatched after the whole request body,
    /// and the handler then reads that body from the record. The handler's token is cancelled when
    /// the server shuts down; write asynchronously (the streams do not support synchronous writes).
    /// A response that may carry no content (to HEAD; 1xx, 204, 304: RFC 9110 sections 6.4.1, 9.3.2) is
    /// its head alone: the handler still runs and reads the request body, but a write to the response
    /// body throws <see cref="InvalidOperationException"/>, and no trailers are sent.
    /// </remarks>
    public Func<Stream, Stream, CancellationToken, Task>? DuplexHandler { get; init; }

    /// <summary>
    /// A response whose head is also its end: <see cref="Headers"/> and <see cref="Trailers"/> go out in one
    /// header block with no body (HTTP/2: one HEADERS frame with END_STREAM and no content-length, gRPC's
    /// "Trailers-Only" response; HTTP/1.1: one head with <c>Content-Length: 0</c>). <see cref="Body"/> is
    /// not sent.
    /// </summary>
    public bool TrailersOnly { get; init; }

    /// <summary>
    /// When set, the response needs HTTP/2 (it names what it is, e.g. "a gRPC response"): dispatched to an
    /// HTTP/1.x request it is replaced by a 505 (HTTP Version Not Supported) and the request's
    /// <see cref="RecordedRequest.Failure"/> says why.
    /// </summary>
    public string? RequiresHttp2 { get; init; }

    /// <summary>
    /// A duplex handler that decides trailers at its end (e.g. gRPC's status): the fields it returns are
    /// sent after <see cref="Trailers"/>, per exchange, so one response may serve concurrent exchanges.
    /// Set together with <see cref="DuplexHandler"/> (which marks the response duplex).
    /// </summary>
    public Func<Stream, Stream, CancellationToken, Task<MockHeaders?>>? DuplexTrailersHandler { get; init; }

    /// <summary>Runs the duplex handler; returns the trailers it decided, if any.</summary>
    internal async Task<MockHeaders?> RunDuplexAsync(Stream requestBody, Stream responseBody, CancellationToken cancellationToken)
    {
        if (DuplexTrailersHandler is { } withTrailers)
        {
            return await withTrailers(requestBody, responseBody, cancellationToken).ConfigureAwait(false);
        }

        await DuplexHandler!(requestBody, responseBody, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>The trailers to send after a duplex body: <see cref="Trailers"/>, then <paramref name="decided"/>.</summary>
    internal MockHeaders TrailersWith(MockHeaders? decided)
    {
        if (decided is null || decided.Count == 0)
        {
            return Trailers;
        }

        var all = new MockHeaders();
        foreach (var (name, value) in Trailers.Fields)
        {
            all.Add(name, value);
        }

        foreach (var (name, value) in decided.Fields)
        {
            all.Add(name, value);
        }

        return all;
    }

    /// <summary>The trigger effects in force: explicit properties first, then the policy's.</summary>
    internal PolicyTriggers Effective
    {
        get
        {
            var policy = SocketPolicy.Triggers;
            if (OnRequestStart is null && OnRequestBody is null && OnResponseStart is null && OnResponseBody is null && OnResponseEnd is null)
            {
                return policy;
            }

            return policy with
            {
                OnRequestStart = OnRequestStart ?? policy.OnRequestStart,
                OnRequestBody = OnRequestBody ?? policy.OnRequestBody,
                OnResponseStart = OnResponseStart ?? policy.OnResponseStart,
                OnResponseBody = OnResponseBody ?? policy.OnResponseBody,
                OnResponseBodyAfterBytes = OnResponseBody is not null ? OnResponseBodyAfterBytes : policy.OnResponseBodyAfterBytes,
                OnResponseEnd = OnResponseEnd ?? policy.OnResponseEnd,
            };
        }
    }

    /// <summary>The reason phrase to send: <see cref="Reason"/> or the standard one.</summary>
    internal string EffectiveReason => Reason ?? ReasonPhrases.For(Code);

    /// <inheritdoc />
    public override string ToString() =>
        $"MockResponse {Code} {EffectiveReason} ({(Body.Events is null ? $"{Body.Length} bytes" : Body.ToString())}, {SocketPolicy})";
}
