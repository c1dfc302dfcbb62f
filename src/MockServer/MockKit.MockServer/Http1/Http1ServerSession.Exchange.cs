using MockKit.Http1;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http1;

/// <summary>
/// HTTP/1.1's side of <see cref="ServerExchange"/>: the session is the transport of the one exchange
/// it serves at a time, and every effect acts on the whole connection.
/// </summary>
internal sealed partial class Http1ServerSession : IExchangeTransport
{
    // The exchange being served, set by ReadRequestAsync. One at a time: HTTP/1.1 has no multiplexing.
    private Http1RequestHead _head = null!;
    private int _sequence;
    private Http1BodyFraming _framing;
    private RequestBodyRead? _body;

    ServerConnection IExchangeTransport.Connection => _connection;

    int IExchangeTransport.Sequence => _sequence;

    CancellationToken IExchangeTransport.ConnectionToken => ShutdownToken;

    ISocketEffectTarget IExchangeTransport.EffectTarget => _connection;

    string IExchangeTransport.HeadName => "request head";

    long IExchangeTransport.BodyBytesReceived => _body?.Recorder.Size ?? 0;

    // Anything unexpected ends the connection: ServerConnection's catch logs it.
    bool IExchangeTransport.ContainsFailures => false;

    bool IExchangeTransport.CanStreamBody => true;

    void IExchangeTransport.Log(string message) => _server.Log(_connection.Index, _sequence, $"{message}");

    RecordedRequest IExchangeTransport.BuildHead() => Build(_head, _sequence, null, null);

    RecordedRequest IExchangeTransport.BuildRequest(Exception? failure) => Build(_head, _sequence, _body, failure);

    bool IExchangeTransport.ShouldSendContinue(ContinueMode mode) => ShouldSendContinue(mode, _head, _framing);

    ValueTask IExchangeTransport.SendContinueAsync(CancellationToken cancellationToken) =>
        new(WriteRawAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray()));

    // A duplex response known now (enqueued or routed) reads the body while it answers.
    bool IExchangeTransport.ServesWhileBodyFlows(bool duplexClaimed) => duplexClaimed;

    Task<bool> IExchangeTransport.ServeWhileBodyFlowsAsync(ResponseClaim? claim, CancellationToken cancellationToken) =>
        ServeDuplexAsync(_head, _sequence, _framing, claim!);

    Task<MockResponse?> IExchangeTransport.DispatchStreamingAsync(IStreamingDispatcher dispatcher, CancellationToken cancellationToken) =>
        DispatchStreamingAsync(_head, _sequence, _framing, dispatcher);

    async ValueTask<RequestBodyOutcome> IExchangeTransport.ReadBodyAsync(PolicyTriggers early, CancellationToken cancellationToken)
    {
        if (early.DoNotReadRequestBody && _framing.Kind != Http1BodyKind.None)
        {
            return RequestBodyOutcome.NotRead;
        }

        _connection.State = "reading a request body";
        var body = _body = await ReadBodyAsync(_framing, early.OnRequestBody).ConfigureAwait(false);
        if (body.ParseError is { } parseError)
        {
            RecordFailure(Build(_head, _sequence, body, new System.Net.ProtocolViolationException(parseError.Message)));
            await RejectAsync(parseError).ConfigureAwait(false);
            return RequestBodyOutcome.Failed;
        }

        if (body.Truncated)
        {
            RecordFailure(Build(_head, _sequence, body, new IOException(
                $"The client closed the connection after {body.Recorder.Size} body bytes{(_framing.Length > 0 ? $" of {_framing.Length}" : string.Empty)}.")));
            return RequestBodyOutcome.Failed;
        }

        return body.TriggerFired is null ? RequestBodyOutcome.Complete : RequestBodyOutcome.TriggerFired;
    }

    void IExchangeTransport.BeforeResponse(MockResponse response)
    {
        // Nothing: HTTP/1 has no connection settings a response could carry.
    }

    Task IExchangeTransport.ServeWebSocketAsync(MockResponse response, RecordedRequest? request, CancellationToken cancellationToken) =>
        ServeWebSocketAsync(_head, _sequence, response, request);

    async Task<bool> IExchangeTransport.ServeDuplexAsync(MockResponse response, RecordedRequest? request, CancellationToken cancellationToken)
    {
        using var recordedBody = new MemoryStream(request?.Body ?? [], writable: false);
        return await WriteDuplexResponseAsync(_head, _sequence, response, recordedBody, applyStart: false).ConfigureAwait(false);
    }

    Task IExchangeTransport.WriteResponseAsync(MockResponse response, PolicyTriggers triggers, CancellationToken cancellationToken)
    {
        _connection.State = "writing the response";
        return WriteResponseAsync(_head, response, triggers);
    }

    void IExchangeTransport.OnResponseSent(MockResponse response)
    {
        if (_server.IsLogging)
        {
            _server.Log(_connection.Index, _sequence, $"-> {response.Code} {response.EffectiveReason} ({(response.Body.Source is { } sent ? sent.Size : response.Body.Length)} body bytes)");
        }

        _server.OnResponseSent(_connection, _sequence, response.Code, _head.Version);
    }

    // The response writer flushed already.
    ValueTask IExchangeTransport.FlushBeforeEndAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    async ValueTask<bool> IExchangeTransport.FinishAsync(MockResponse response, PolicyTriggers triggers, bool bodyUnread)
    {
        if (_connection.InputShutDown)
        {
            return false;
        }

        if (triggers.UpgradeToSslAtEnd)
        {
            await UpgradeToTlsAsync().ConfigureAwait(false);

            // ALPN inside the tunnel picked h2: stop reading HTTP/1 here (nothing was buffered from
            // the new TLS stream yet) and let ServerConnection continue with an HTTP/2 session.
            _switchToHttp2 = _connection.Handshake?.ApplicationProtocol == "h2";
            return !_switchToHttp2;
        }

        return !bodyUnread && KeepAlive(_head, response);
    }

    void IExchangeTransport.OnFailed(Exception exception)
    {
        // Never called: ContainsFailures is false, so failures reach ServerConnection's catch.
    }

    void IExchangeTransport.OnEnded()
    {
        // Nothing to let go of: the next exchange overwrites the fields above.
    }
}
