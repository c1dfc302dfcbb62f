using MockKit.MockServer.Connections;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// The server's one exchange pipeline, run for every request on every protocol (HTTP/1.1 by its
/// session, HTTP/2 by each stream's exchange task) through the protocol's
/// <see cref="IExchangeTransport"/>:
/// <list type="number">
/// <item>claim the response (<see cref="ClaimOnArrival"/>, else <see cref="Claim"/>);</item>
/// <item>OnRequestStart — record the request with the failure, dispatch, act;</item>
/// <item>100 (Continue) when due;</item>
/// <item>a tunnel or duplex response known now is served while the body flows, and a streaming
/// dispatcher gets the request now and its body as it arrives (ServerExchange.BodyFlow.cs);</item>
/// <item>otherwise read the body (OnRequestBody after half of it), record, dispatch;</item>
/// <item>respond (<see cref="RespondAsync"/>): OnResponseStart, then the response's kind —
/// WebSocket, duplex, or scripted/streamed with OnResponseBody after N bytes — then OnResponseEnd;</item>
/// <item>a request the client abandoned (reset stream, closed connection) gets the failure saying so.</item>
/// </list>
/// Every request is recorded here (<see cref="Record"/>, or <see cref="MockWebServer.RecordForDispatch"/>
/// just before its dispatch) and dispatched here; the protocols only frame bytes. The triggers that
/// act before any request was read (at accept, before each HTTP/1 request) are in
/// ServerExchange.BeforeRequest.cs. A new kind of response (gRPC, Server-Sent Events) is a new branch
/// of <see cref="RespondAsync"/> with its transport member; the sequence around it stays one.
/// </summary>
internal static partial class ServerExchange
{
    /// <summary>
    /// THE claim made as a request head arrives, on the reader (HTTP/2's reader loop, HTTP/1's
    /// session), so responses are handed out in arrival order whatever order the exchanges then run
    /// in. Only a dispatcher whose claim runs no user code (<see cref="Dispatcher.ClaimRunsUserCode"/>)
    /// is claimed here; for the others the exchange claims (<see cref="Claim"/>), off the reader.
    /// </summary>
    /// <returns>The claim, or null (nothing to claim, or claimed later in the exchange).</returns>
    public static ResponseClaim? ClaimOnArrival(IExchangeTransport transport)
    {
        var server = transport.Connection.Server;
        var dispatcher = server.Dispatcher;
        if (dispatcher.ClaimRunsUserCode || (server.HostEndpoint is { } host && host.Owns(transport.BuildHead())))
        {
            return null; // Claimed in the exchange, or a host request, which never claims (see HostEndpoint).
        }

        return Claim(transport, dispatcher);
    }

    /// <summary>Claims in the exchange: the dispatcher's claim may run user code here.</summary>
    private static ResponseClaim? Claim(IExchangeTransport transport, Dispatcher dispatcher) =>
        dispatcher.Claim(dispatcher.ClaimReadsRequest ? transport.BuildHead() : null, wanted: null);

    /// <summary>Runs one exchange from its claim to the end of its response.</summary>
    /// <param name="transport">The protocol's side of the exchange.</param>
    /// <param name="claim">The claim made on arrival (<see cref="ClaimOnArrival"/>), or null to claim now.</param>
    /// <param name="ct">Ends the exchange: server shutdown, or (HTTP/2) the stream's reset.</param>
    /// <returns>True when the connection carries another exchange (HTTP/1 keep-alive).</returns>
    public static async Task<bool> RunAsync(IExchangeTransport transport, ResponseClaim? claim, CancellationToken ct)
    {
        // The host's own requests (an admin API) leave the pipeline here: never claimed, recorded or dispatched.
        if (claim is null && transport.Connection.Server.HostEndpoint is { } host && host.Owns(transport.BuildHead()))
        {
            return await ServeHostAsync(transport, host, ct).ConfigureAwait(false);
        }

        var exchange = new ExchangeState(claim);
        try
        {
            var another = await RunStepsAsync(transport, exchange, ct).ConfigureAwait(false);
            if (exchange.Responded is { } request && transport.DescribeAbandonment(null) is { } abandoned)
            {
                // The response "went out" into a stream the client had already reset (HTTP/2 drops such frames).
                transport.Connection.Server.RecordAbandonment(request, abandoned);
            }

            return another;
        }
        catch (Exception e)
        {
            Settle(transport, exchange, e);
            if (!transport.ContainsFailures)
            {
                throw;
            }

            transport.OnFailed(e);
            return false;
        }
        finally
        {
            // Still held: the exchange ended before dispatch, so the next request deserves it.
            MockWebServer.ReleaseResponse(exchange.TakeClaim());
            transport.OnEnded();
        }
    }

    private static async Task<bool> RunStepsAsync(IExchangeTransport transport, ExchangeState exchange, CancellationToken ct)
    {
        var server = transport.Connection.Server;
        exchange.Claim ??= Claim(transport, server.Dispatcher);
        var peeked = exchange.Claim?.Response;
        var early = peeked?.Effective ?? PolicyTriggers.None;
        if (early.OnRequestStart is { } startEffect)
        {
            var started = await FireBeforeResponseAsync(transport, exchange, nameof(MockResponse.OnRequestStart), startEffect,
                $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestStart)}: {startEffect} when the {transport.HeadName} arrived.", ct).ConfigureAwait(false);

            // A half-close leaves the exchange going: answered normally, its body never read.
            return started is { } response && await RespondAsync(transport, exchange, response, bodyUnread: true, liveBody: null, ct).ConfigureAwait(false);
        }

        if (transport.ShouldSendContinue(early.Continue))
        {
            await transport.SendContinueAsync(ct).ConfigureAwait(false);
        }

        var bodyFirst = early.DoNotReadRequestBody || early.OnRequestBody is not null;
        // A response that needs HTTP/2 (gRPC) is not served as duplex over HTTP/1.1: it is
        // dispatched after the body and answered 505 (MockWebServer.DispatchAsync).
        var duplexClaimed = !bodyFirst && exchange.Claim is { Bound: true, Response.DuplexHandler: not null }
            && (exchange.Claim.Response.RequiresHttp2 is null || transport.BuildHead().Protocol is Protocol.Http2 or Protocol.H2PriorKnowledge);
        if (transport.ServesWhileBodyFlows(duplexClaimed))
        {
            return await ServeWhileBodyFlowsAsync(transport, exchange, ct).ConfigureAwait(false);
        }

        // Nothing needs the body read first: a streaming dispatcher (a forward) gets the request
        // now and its body as it arrives; the request is recorded when the body ended.
        var streaming = bodyFirst ? null : server.StreamingDispatcherFor(exchange.Claim);
        if (streaming is not null && transport.CanStreamBody)
        {
            exchange.Claim = null; // Not bound (StreamingDispatcherFor): nothing to hand back.
            return await DispatchStreamingAsync(transport, exchange, streaming, ct).ConfigureAwait(false) is { } streamed
                && await RespondAsync(transport, exchange, streamed, bodyUnread: false, liveBody: null, ct).ConfigureAwait(false);
        }

        var (body, failure) = await transport.ReadBodyAsync(early, ct).ConfigureAwait(false);
        if (body == RequestBodyOutcome.Failed)
        {
            Record(transport, transport.BuildRequest(failure));
            await transport.AnswerFailedBodyAsync().ConfigureAwait(false);
            return false;
        }

        if (body == RequestBodyOutcome.TriggerFired)
        {
            // The body trigger consumed this exchange: the partial request is recorded and takes its
            // claimed response, so the next request gets the next one.
            var bodyEffect = early.OnRequestBody!;
            var partial = await FireBeforeResponseAsync(transport, exchange, nameof(MockResponse.OnRequestBody), bodyEffect,
                $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestBody)}: {bodyEffect} after {transport.BodyBytesReceived} body bytes.", ct).ConfigureAwait(false);

            // A half-close leaves the exchange going: the partial request stays the one recording and
            // its response is the one sent; the rest of the body is unread.
            return partial is { } response && await RespondAsync(transport, exchange, response, bodyUnread: true, liveBody: null, ct).ConfigureAwait(false);
        }

        var request = exchange.Request = transport.BuildRequest(null);
        server.RecordForDispatch(request);
        transport.Connection.State = "dispatching";

        // An exchange ended before dispatch (a reset stream, a server shutting down) must not take a
        // scripted response: the dispatcher may hand out a queued response without looking at the
        // token, and the next live request deserves it. The catch in RunAsync settles the request.
        ct.ThrowIfCancellationRequested();
        var dispatched = await server.DispatchAsync(request, exchange.TakeClaim(), ct).ConfigureAwait(false);
        return await RespondAsync(transport, exchange, dispatched, bodyUnread: body == RequestBodyOutcome.NotRead, liveBody: null, ct).ConfigureAwait(false);
    }

    /// <summary>Records a request whose outcome is final now (a failure, or a request with no dispatch to wait for) and observes it.</summary>
    private static void Record(IExchangeTransport transport, RecordedRequest request)
    {
        if (request.Failure is { } failure)
        {
            transport.Log($"rejected: {failure.Message}");
        }

        transport.Connection.Server.Record(request);
    }

    /// <summary>
    /// An exchange ended by an exception after its request was recorded: when the client abandoned
    /// it the record says so (once, observed once), and either way its outcome is final now.
    /// </summary>
    private static void Settle(IExchangeTransport transport, ExchangeState exchange, Exception e)
    {
        if (exchange.Request is not { } request)
        {
            return;
        }

        // After the whole response was written, what fails (an HTTP/1 TLS upgrade, the next read) is not this request's abandonment.
        var server = transport.Connection.Server;
        if (!exchange.ResponseWritten && transport.DescribeAbandonment(e) is { } abandoned)
        {
            server.RecordAbandonment(request, abandoned);
        }

        server.ObserveOutcome(request);
    }

    /// <summary>
    /// A trigger fired before the response (OnRequestStart, OnRequestBody): record the request with
    /// the failure, consume its response (the claimed one), apply the effect.
    /// </summary>
    /// <returns>The response to send after a half-close, or null when the effect ended the exchange.</returns>
    private static async Task<MockResponse?> FireBeforeResponseAsync(IExchangeTransport transport, ExchangeState exchange, string trigger, SocketEffect effect, string message, CancellationToken ct)
    {
        var request = exchange.Request = transport.BuildRequest(new SocketPolicyException(trigger, effect, message));
        var (response, ended) = await FireAsync(transport.Connection.Server, request, exchange.TakeClaim(), trigger, effect, transport.EffectTarget, transport.Log, ct).ConfigureAwait(false);
        return ended ? null : response;
    }

    /// <summary>
    /// The one way a trigger fires before a response (here, and before any request in
    /// ServerExchange.BeforeRequest.cs): the request is recorded with its failure, the claimed response
    /// is dispatched (consumed), and the effect that response carries acts on <paramref name="target"/>.
    /// </summary>
    private static async Task<(MockResponse Response, bool Ended)> FireAsync(
        MockWebServer server, RecordedRequest request, ResponseClaim? claim, string trigger, SocketEffect effect, ISocketEffectTarget target, Action<string> log, CancellationToken ct)
    {
        server.Record(request);
        var response = await server.DispatchAsync(request, claim, ct).ConfigureAwait(false);
        var applied = trigger == nameof(MockResponse.OnRequestStart)
            ? response.Effective.OnRequestStart ?? effect
            : response.Effective.OnRequestBody ?? effect;
        log(request.Failure!.Message);
        return (response, await applied.ApplyAsync(target, ct).ConfigureAwait(false));
    }

    /// <summary>One exchange's state as the pipeline runs it: the claim it still holds and the request recorded for it.</summary>
    private sealed class ExchangeState(ResponseClaim? claim)
    {
        /// <summary>The claim, until dispatch consumes it (or the exchange's end hands it back).</summary>
        public ResponseClaim? Claim { get; set; } = claim;

        /// <summary>The request recorded for this exchange, once it is.</summary>
        public RecordedRequest? Request { get; set; }

        /// <summary>True once a scripted or streamed response was written to its end.</summary>
        public bool ResponseWritten { get; set; }

        /// <summary>The request whose scripted or streamed response was written without an error (see <see cref="RespondAsync"/>).</summary>
        public RecordedRequest? Responded { get; set; }

        /// <summary>
        /// True once the response ended whole and OnResponseEnd left the exchange going: what remains
        /// is the protocol's (<see cref="IExchangeTransport.FinishAsync"/>, the rest of a flowing body).
        /// </summary>
        public bool Finished { get; set; }

        public ResponseClaim? TakeClaim()
        {
            var taken = Claim;
            Claim = null;
            return taken;
        }
    }
}
