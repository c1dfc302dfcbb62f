using MockKit.MockServer.Connections;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The stream is its exchange's transport (<see cref="IExchangeTransport"/>): each member is the
/// session's framing for this stream, and effects act on the stream itself.
/// </summary>
internal sealed partial class Http2ServerStream : IExchangeTransport
{
    ServerConnection IExchangeTransport.Connection => _session.Connection;

    int IExchangeTransport.Sequence => Sequence;

    CancellationToken IExchangeTransport.ConnectionToken => _session.SessionToken;

    string IExchangeTransport.RequestMethod => Head!.Method!;

    string IExchangeTransport.HeadName => "request headers";

    long IExchangeTransport.BodyBytesReceived => _session.BodySize(this);

    // One stream's failure is never the connection's: it is logged and the stream reset.
    bool IExchangeTransport.ContainsFailures => true;

    bool IExchangeTransport.CanStreamBody => _session.CanStreamBody(this);

    void IExchangeTransport.Log(string message) => _session.LogExchange(this, message);

    RecordedRequest IExchangeTransport.BuildHead() => _session.BuildHead(this);

    RecordedRequest IExchangeTransport.BuildRequest(Exception? failure) => _session.Build(this, failure);

    bool IExchangeTransport.ShouldSendContinue(ContinueMode mode) => _session.SendsContinue(mode, this);

    ValueTask IExchangeTransport.SendContinueAsync(CancellationToken cancellationToken)
    {
        _session.SendContinue(this);
        return ValueTask.CompletedTask;
    }

    bool IExchangeTransport.ServesWhileBodyFlows(bool duplexClaimed) => _session.ServesWhileBodyFlows(this, duplexClaimed);

    bool IExchangeTransport.IsExtendedConnect => Head!.Protocol is not null;

    RequestBodyFlow IExchangeTransport.OpenBodyFlow() => _session.OpenBodyFlow(this);

    ValueTask IExchangeTransport.EndBodyFlowAsync(bool responded)
    {
        _session.EndBodyFlow(this);
        return ValueTask.CompletedTask;
    }

    ValueTask<(RequestBodyOutcome Outcome, Exception? Failure)> IExchangeTransport.ReadBodyAsync(PolicyTriggers early, CancellationToken cancellationToken) =>
        _session.ReadBodyAsync(this, early);

    // The session reset the stream (or the client did): there is nothing to answer on.
    ValueTask IExchangeTransport.AnswerFailedBodyAsync() => ValueTask.CompletedTask;

    void IExchangeTransport.BeforeResponse(MockResponse response) => _session.BeforeResponse(response);

    string? IExchangeTransport.ValidateWebSocketHandshake(MockResponse response) =>
        WebSocketHandshake.ValidateExtendedConnect(Head!.Method!, Head.Protocol, Head.Fields, response);

    ValueTask IExchangeTransport.RefuseWebSocketAsync(WebSocketHandshakeException refusal, CancellationToken cancellationToken) =>
        new(_session.RefuseAsync(this, refusal, cancellationToken));

    ValueTask IExchangeTransport.AcceptWebSocketAsync(MockResponse response, string? subprotocol, CancellationToken cancellationToken) =>
        new(_session.AcceptWebSocketAsync(this, response, cancellationToken));

    (Stream Input, Stream Output) IExchangeTransport.OpenWebSocket(Stream? tunnel) => (tunnel ?? Stream.Null, _session.OpenTunnelBody(this));

    ValueTask IExchangeTransport.EndWebSocketAsync(CancellationToken cancellationToken) =>
        new(_session.EndStreamQuietlyAsync(this, cancellationToken));

    ValueTask IExchangeTransport.BeforeWriteResponseAsync(MockResponse response, CancellationToken cancellationToken) =>
        _session.BeforeWriteResponseAsync(this, response, cancellationToken);

    void IExchangeTransport.OnResponseSent(MockResponse response, bool duplex) => _session.OnResponseSent(this, response, duplex);

    ValueTask IExchangeTransport.FlushBeforeEndAsync(CancellationToken cancellationToken) =>
        new(_session.FlushAsync(this, cancellationToken));

    // A stream carries one exchange.
    ValueTask<bool> IExchangeTransport.FinishAsync(MockResponse response, PolicyTriggers triggers, bool bodyUnread) => ValueTask.FromResult(false);

    string? IExchangeTransport.DescribeAbandonment(Exception? exception) => _session.DescribeAbandonment(this);

    void IExchangeTransport.OnFailed(Exception exception) => _session.OnExchangeFailed(this, exception);

    void IExchangeTransport.OnEnded() => _session.OnExchangeTaskEnded(this);
}
