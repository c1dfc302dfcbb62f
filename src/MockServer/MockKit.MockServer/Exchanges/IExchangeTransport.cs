using MockKit.MockServer.Connections;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// What one protocol supplies to <see cref="ServerExchange"/> for one exchange: framing I/O and
/// nothing else. The sequence (claim, triggers, recording, dispatch, which kind of response, and the
/// order a response's parts are written in, <see cref="ResponseWriter"/> and <see cref="DuplexResponseWriter"/>)
/// is the pipeline's; each
/// member here and in <see cref="IResponseFraming"/> reads, writes or describes bytes in the
/// protocol's own way. HTTP/1.1 implements it on its session (one exchange at a time per
/// connection), HTTP/2 on the stream. Members run on the exchange's task, never on an HTTP/2 reader loop.
/// </summary>
internal interface IExchangeTransport : IResponseFraming
{
    /// <summary>The connection the exchange arrived on.</summary>
    ServerConnection Connection { get; }

    /// <summary>The exchange's per-connection sequence number.</summary>
    int Sequence { get; }

    /// <summary>Cancelled when the connection (HTTP/2: its session) or the server ends; outlives a reset stream.</summary>
    CancellationToken ConnectionToken { get; }

    /// <summary>The request's method, as its head says (what the response may carry depends on it).</summary>
    string RequestMethod { get; }

    /// <summary>How the protocol names the request head in messages ("request head", "request headers").</summary>
    string HeadName { get; }

    /// <summary>Request body bytes received so far (for trigger messages).</summary>
    long BodyBytesReceived { get; }

    /// <summary>True when the protocol catches the exchange's failures itself (<see cref="OnFailed"/>); false lets them end the connection.</summary>
    bool ContainsFailures { get; }

    /// <summary>Writes a line about this exchange to the traffic log.</summary>
    void Log(string message);

    /// <summary>The request as known when its head arrived: what a claim matches on (no body).</summary>
    RecordedRequest BuildHead();

    /// <summary>The request with the body read so far and <paramref name="failure"/>.</summary>
    RecordedRequest BuildRequest(Exception? failure);

    /// <summary>True when a 100 (Continue) is due before the body under <paramref name="mode"/> (RFC 9110 section 10.1.1).</summary>
    bool ShouldSendContinue(ContinueMode mode);

    /// <summary>Sends the 100 (Continue) interim response.</summary>
    ValueTask SendContinueAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True when this exchange is answered while its body still flows: an RFC 8441 extended CONNECT,
    /// or <paramref name="duplexClaimed"/> (a duplex response claimed on arrival) where the protocol can.
    /// </summary>
    bool ServesWhileBodyFlows(bool duplexClaimed);

    /// <summary>
    /// True for an RFC 8441 extended CONNECT: the request is whole at its head, and what follows on
    /// the stream is the tunnel's bytes (section 5), so the pipeline records and dispatches it at once.
    /// </summary>
    bool IsExtendedConnect { get; }

    /// <summary>True when the body can be delivered as it arrives (<see cref="OpenBodyFlow"/>) from here on.</summary>
    bool CanStreamBody { get; }

    /// <summary>
    /// Starts delivering the request body as it arrives, for a reader that consumes it live (a duplex or
    /// WebSocket handler, a streaming dispatcher), while it is also kept for the record.
    /// </summary>
    RequestBodyFlow OpenBodyFlow();

    /// <summary>
    /// After a body flow: the handler is done with it. HTTP/1 closes a connection whose response broke
    /// off (so the body read ends too); HTTP/2 tells a client still sending on a tunnel to stop.
    /// </summary>
    /// <param name="responded">True when the response ended whole and its OnResponseEnd left the exchange going.</param>
    ValueTask EndBodyFlowAsync(bool responded);

    /// <summary>
    /// Reads the request body, stopping at <see cref="PolicyTriggers.OnRequestBody"/>'s threshold when
    /// set, or skips it under <see cref="PolicyTriggers.DoNotReadRequestBody"/>.
    /// </summary>
    /// <returns>How reading ended, and the failure to record when the body was malformed or broke off.</returns>
    ValueTask<(RequestBodyOutcome Outcome, Exception? Failure)> ReadBodyAsync(PolicyTriggers early, CancellationToken cancellationToken);

    /// <summary>After a failed body was recorded: answers it when the protocol can (HTTP/1: 400 to malformed framing).</summary>
    ValueTask AnswerFailedBodyAsync();

    /// <summary>Before any response byte and before OnResponseStart: e.g. HTTP/2 SETTINGS the response carries.</summary>
    void BeforeResponse(MockResponse response);

    /// <summary>
    /// Checks the request as a WebSocket opening handshake for <paramref name="response"/> (HTTP/1.1:
    /// an Upgrade, RFC 6455 section 4.2.1; HTTP/2: an extended CONNECT, RFC 8441 section 4).
    /// </summary>
    /// <returns>The subprotocol selected, or null for none.</returns>
    /// <exception cref="WebSockets.WebSocketHandshakeException">The request is not a valid opening handshake.</exception>
    string? ValidateWebSocketHandshake(MockResponse response);

    /// <summary>
    /// Refuses the handshake: 400, or 426 with the version the server speaks (RFC 6455 section 4.4),
    /// the reason as text; HTTP/1.1 closes the connection after it.
    /// </summary>
    ValueTask RefuseWebSocketAsync(WebSockets.WebSocketHandshakeException refusal, CancellationToken cancellationToken);

    /// <summary>
    /// Writes and flushes the handshake response with the scripted fields (HTTP/1.1: 101 with Upgrade,
    /// Connection and Sec-WebSocket-Accept; HTTP/2: <c>:status 200</c>), and counts it sent.
    /// </summary>
    ValueTask AcceptWebSocketAsync(MockResponse response, string? subprotocol, CancellationToken cancellationToken);

    /// <summary>
    /// The WebSocket's byte streams after the handshake: what the client sends (HTTP/1.1: the
    /// connection, bytes already buffered first; HTTP/2: <paramref name="tunnel"/>, the live request
    /// DATA) and where the server writes (the socket; the stream's DATA, each write copied and flushed).
    /// </summary>
    (Stream Input, Stream Output) OpenWebSocket(Stream? tunnel);

    /// <summary>
    /// After the handler: ends what the protocol ends (HTTP/1.1: nothing, the connection is the
    /// WebSocket's; HTTP/2: END_STREAM, flushed, unless a policy or a reset ended the stream), so
    /// OnResponseEnd acts after the response's end on both.
    /// </summary>
    ValueTask EndWebSocketAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Just before <see cref="ResponseWriter"/> writes a scripted (or streamed) response: HTTP/2 sends the
    /// response's server pushes first (RFC 9113 section 8.4.1: a PUSH_PROMISE precedes the response that refers to it).
    /// </summary>
    ValueTask BeforeWriteResponseAsync(MockResponse response, CancellationToken cancellationToken);

    /// <summary>
    /// The response was written: counted, logged (with what its body sent, unless <paramref name="duplex"/>:
    /// a duplex body is the handler's, so the log has no size for it) and, on HTTP/2, credited to the
    /// flood guards like every served stream.
    /// </summary>
    void OnResponseSent(MockResponse response, bool duplex);

    /// <summary>Pushes what was written to the wire before OnResponseEnd acts.</summary>
    ValueTask FlushBeforeEndAsync(CancellationToken cancellationToken);

    /// <summary>After a response ended without ending the connection: whether (and how) it carries another exchange.</summary>
    /// <returns>True when the connection carries another exchange.</returns>
    ValueTask<bool> FinishAsync(MockResponse response, PolicyTriggers triggers, bool bodyUnread);

    /// <summary>
    /// Whether the client abandoned the exchange before its response ended, and how, in words for
    /// <see cref="RecordedRequest.Failure"/> ("the client reset the stream (CANCEL)", "the client closed
    /// the connection before the response"); null when it did not (or the protocol cannot tell).
    /// </summary>
    /// <param name="exception">What ended the exchange, or null when the response was written without an error.</param>
    string? DescribeAbandonment(Exception? exception);

    /// <summary>An exception escaped the exchange (only when <see cref="ContainsFailures"/>).</summary>
    void OnFailed(Exception exception);

    /// <summary>The exchange ended, however it ended.</summary>
    void OnEnded();
}
