using MockKit.Http1;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Streaming;
using MockKit.Transport;

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

    string IExchangeTransport.RequestMethod => _head.Method;

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

    // RFC 8441 is HTTP/2's; an HTTP/1 CONNECT is a proxy tunnel, served as a scripted exchange.
    bool IExchangeTransport.IsExtendedConnect => false;

    RequestBodyFlow IExchangeTransport.OpenBodyFlow()
    {
        // Pauses: TCP pushes back on the client while the body's reader is behind.
        var pipe = new RequestBodyPipe(pauses: true, onConsumed: null);
        _connection.State = "reading a request body while it is consumed";
        return new RequestBodyFlow(pipe, ReadFlowingBodyAsync(pipe));
    }

    async ValueTask IExchangeTransport.EndBodyFlowAsync(bool responded)
    {
        if (!responded)
        {
            // The response broke off (or never started): close, so the body read ends too (and records the break).
            await _connection.CloseSocketAsync().ConfigureAwait(false);
        }
    }

    async ValueTask<(RequestBodyOutcome Outcome, Exception? Failure)> IExchangeTransport.ReadBodyAsync(PolicyTriggers early, CancellationToken cancellationToken)
    {
        if (early.DoNotReadRequestBody && _framing.Kind != Http1BodyKind.None)
        {
            return (RequestBodyOutcome.NotRead, null);
        }

        if (_framing.Kind == Http1BodyKind.None)
        {
            // No body (most GETs): nothing to read, and a request recorded without a body read is the
            // same as one with an empty one, so no recorder or result object per request.
            return (RequestBodyOutcome.Complete, null);
        }

        _connection.State = "reading a request body";
        var body = _body = await ReadBodyAsync(_framing, early.OnRequestBody).ConfigureAwait(false);
        if (BodyFailure(body) is { } failure)
        {
            return (RequestBodyOutcome.Failed, failure);
        }

        return (body.TriggerFired is null ? RequestBodyOutcome.Complete : RequestBodyOutcome.TriggerFired, null);
    }

    async ValueTask IExchangeTransport.AnswerFailedBodyAsync()
    {
        if (_body?.ParseError is { } malformed)
        {
            await RejectAsync(malformed).ConfigureAwait(false);
        }
    }

    void IExchangeTransport.BeforeResponse(MockResponse response)
    {
        // Nothing: HTTP/1 has no connection settings a response could carry.
    }

    ValueTask IExchangeTransport.BeforeWriteResponseAsync(MockResponse response, CancellationToken cancellationToken)
    {
        _connection.State = "writing the response";
        return ValueTask.CompletedTask;
    }

    void IExchangeTransport.OnResponseSent(MockResponse response, bool duplex)
    {
        if (_server.IsLogging)
        {
            // A duplex body is whatever its handler wrote: no scripted size to report.
            if (duplex)
            {
                _server.Log(_connection.Index, _sequence, $"-> {response.Code} {response.EffectiveReason} (duplex)");
            }
            else
            {
                _server.Log(_connection.Index, _sequence, $"-> {response.Code} {response.EffectiveReason} ({response.Body.SentSize})");
            }
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

    string? IExchangeTransport.DescribeAbandonment(Exception? exception) =>
        exception is not null && TransportFailure.IsConnectionEnd(exception) && exception is not ExchangeTerminatedException
            && !_connection.ClosedByPolicy && !ShutdownToken.IsCancellationRequested
            ? "the client closed the connection before the response"
            : null;

    void IExchangeTransport.OnFailed(Exception exception)
    {
        // Never called: ContainsFailures is false, so failures reach ServerConnection's catch.
    }

    void IExchangeTransport.OnEnded()
    {
        // Nothing to let go of: the next exchange overwrites the fields above.
    }
}
