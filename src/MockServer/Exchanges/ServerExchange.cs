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
/// <item>a tunnel or duplex response known now is served while the body flows; a streaming
/// dispatcher gets the request now and its body as it arrives;</item>
/// <item>otherwise read the body (OnRequestBody after half of it), record, dispatch;</item>
/// <item>respond (<see cref="RespondAsync"/>): OnResponseStart, then the response's kind —
/// WebSocket, duplex, or scripted/streamed with OnResponseBody after N bytes — then OnResponseEnd.</item>
/// </list>
/// A new kind of response (gRPC, Server-Sent Events) is a new branch of <see cref="RespondAsync"/>
/// with its transport member; the sequence around it stays one.
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

    /// <summary>
    /// The claim before any request was read: at accept (before TLS) and, on HTTP/1, before each
    /// kept-alive request. Only a response <paramref name="wanted"/> accepts (one that acts then) is
    /// taken; the caller records a bookkeeping entry for it (ServerConnection.ApplyRequestStartAsync).
    /// </summary>
    public static ResponseClaim? ClaimBeforeRequest(MockWebServer server, Func<MockResponse, bool> wanted) =>
        server.Dispatcher.Claim(null, wanted);

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
        var server = transport.Connection.Server;
        try
        {
            // The host's own requests (an admin API) leave the pipeline here: never claimed, recorded or dispatched.
            if (claim is null && server.HostEndpoint is { } host && host.Owns(transport.BuildHead()))
            {
                return await ServeHostAsync(transport, host, ct).ConfigureAwait(false);
            }

            claim ??= Claim(transport, server.Dispatcher);
            var peeked = claim?.Response;
            var early = peeked?.Effective ?? PolicyTriggers.None;
            MockResponse response;
            RecordedRequest? recorded = null;
            var bodyUnread = false;
            if (early.OnRequestStart is { } startEffect)
            {
                var startClaim = claim;
                claim = null;
                var started = await FireBeforeResponseAsync(transport, nameof(MockResponse.OnRequestStart), startEffect,
                    $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestStart)}: {startEffect} when the {transport.HeadName} arrived.", startClaim, ct).ConfigureAwait(false);
                if (started.Ended)
                {
                    return false;
                }

                // A half-close leaves the exchange going: answered normally, its body never read.
                (response, recorded, bodyUnread) = (started.Response, started.Request, true);
            }
            else
            {
                if (transport.ShouldSendContinue(early.Continue))
                {
                    await transport.SendContinueAsync(ct).ConfigureAwait(false);
                }

                var bodyFirst = early.DoNotReadRequestBody || early.OnRequestBody is not null;
                if (transport.ServesWhileBodyFlows(!bodyFirst && claim is { Bound: true, Response.DuplexHandler: not null }))
                {
                    var tunnelClaim = claim;
                    claim = null;
                    return await transport.ServeWhileBodyFlowsAsync(tunnelClaim, ct).ConfigureAwait(false);
                }

                // Nothing needs the body read first: a streaming dispatcher (a forward) gets the request
                // now and its body as it arrives; the request is recorded when the body ended.
                var streaming = bodyFirst ? null : server.StreamingDispatcherFor(claim);
                if (streaming is not null && transport.CanStreamBody)
                {
                    claim = null; // Not bound (StreamingDispatcherFor): nothing to hand back.
                    if (await transport.DispatchStreamingAsync(streaming, ct).ConfigureAwait(false) is not { } streamed)
                    {
                        return false;
                    }

                    response = streamed;
                }
                else
                {
                    var body = await transport.ReadBodyAsync(early, ct).ConfigureAwait(false);
                    if (body == RequestBodyOutcome.Failed)
                    {
                        return false;
                    }

                    bodyUnread = body == RequestBodyOutcome.NotRead;
                    if (body == RequestBodyOutcome.TriggerFired)
                    {
                        // The body trigger consumed this exchange: the partial request is recorded and
                        // takes its claimed response, so the next request gets the next one.
                        var bodyEffect = early.OnRequestBody!;
                        var bodyClaim = claim;
                        claim = null;
                        var partial = await FireBeforeResponseAsync(transport, nameof(MockResponse.OnRequestBody), bodyEffect,
                            $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestBody)}: {bodyEffect} after {transport.BodyBytesReceived} body bytes.", bodyClaim, ct).ConfigureAwait(false);
                        if (partial.Ended)
                        {
                            return false;
                        }

                        // A half-close leaves the exchange going: the partial request stays the one
                        // recording and its response is the one sent; the rest of the body is unread.
                        (response, recorded, bodyUnread) = (partial.Response, partial.Request, true);
                    }
                    else
                    {
                        var request = recorded = transport.BuildRequest(null);
                        transport.Connection.RecordForDispatch(request);
                        transport.Connection.State = "dispatching";

                        // An exchange ended before dispatch (a reset stream, a server shutting down) must not
                        // take a scripted response: the dispatcher may hand out a queued response without
                        // looking at the token, and the next live request deserves it. No verdict will
                        // come, so what is known now is the request's outcome.
                        if (ct.IsCancellationRequested)
                        {
                            server.ObserveOutcome(request);
                            ct.ThrowIfCancellationRequested();
                        }

                        var dispatchClaim = claim;
                        claim = null;
                        response = await server.DispatchAsync(request, dispatchClaim, ct).ConfigureAwait(false);
                    }
                }
            }

            return await RespondAsync(transport, response, recorded, bodyUnread, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (transport.ContainsFailures)
        {
            transport.OnFailed(e);
            return false;
        }
        finally
        {
            // Still held: the exchange ended before dispatch, so the next request deserves it.
            MockWebServer.ReleaseResponse(claim);
            transport.OnEnded();
        }
    }

    /// <summary>
    /// A trigger fired before the response (OnRequestStart, OnRequestBody): record the request with
    /// the failure, consume its response (the claimed one), apply the effect.
    /// </summary>
    private static async Task<FiredTrigger> FireBeforeResponseAsync(IExchangeTransport transport, string trigger, SocketEffect effect, string message, ResponseClaim? claim, CancellationToken ct)
    {
        var failure = new SocketPolicyException(trigger, effect, message);
        var request = transport.BuildRequest(failure);
        transport.Connection.Record(request);
        var response = await transport.Connection.Server.DispatchAsync(request, claim, ct).ConfigureAwait(false);
        var applied = trigger == nameof(MockResponse.OnRequestStart)
            ? response.Effective.OnRequestStart ?? effect
            : response.Effective.OnRequestBody ?? effect;
        transport.Log(message);
        var ended = await applied.ApplyAsync(transport.EffectTarget, ct).ConfigureAwait(false);
        return new FiredTrigger(response, request, ended);
    }

    /// <summary>What firing a trigger before the response left: the response (sent after a half-close) and the recording.</summary>
    private readonly record struct FiredTrigger(MockResponse Response, RecordedRequest Request, bool Ended);
}
