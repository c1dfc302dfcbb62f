using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// The exchanges answered while the request body still arrives (<see cref="IExchangeTransport.OpenBodyFlow"/>):
/// an RFC 8441 extended CONNECT, a duplex response claimed on arrival, and a streaming dispatcher
/// (a forward). Recorded and dispatched here, like every other exchange.
/// </summary>
internal static partial class ServerExchange
{
    /// <summary>An extended CONNECT, or a duplex exchange whose response was claimed as its head arrived.</summary>
    /// <returns>True when the connection carries another exchange.</returns>
    private static async Task<bool> ServeWhileBodyFlowsAsync(IExchangeTransport transport, ExchangeState exchange, CancellationToken ct)
    {
        var server = transport.Connection.Server;
        var flow = transport.OpenBodyFlow();
        Task<bool>? recording = null;
        bool another;
        try
        {
            MockResponse response;
            if (transport.IsExtendedConnect)
            {
                // RFC 8441 section 5: the CONNECT is the whole request; what follows on the stream is the
                // tunnel's bytes, not a body, so it is recorded and dispatched now.
                var request = exchange.Request = transport.BuildRequest(null);
                server.RecordForDispatch(request);
                transport.Connection.State = "dispatching an extended CONNECT";
                response = await server.DispatchAsync(request, exchange.TakeClaim(), ct).ConfigureAwait(false);
                if (response.WebSocketHandler is null && response.DuplexHandler is null)
                {
                    // Answered like any request (e.g. a scripted 404 refusing the WebSocket): nothing reads the tunnel.
                    await flow.Pipe.Reader.DisposeAsync().ConfigureAwait(false);
                    return await RespondAsync(transport, exchange, response, bodyUnread: false, liveBody: null, ct).ConfigureAwait(false);
                }
            }
            else
            {
                // A duplex response claimed on arrival is bound: it is what dispatch would return
                // (Dispatcher.DispatchClaimedAsync), so it is served now, and the request is recorded,
                // once, when its body ended.
                response = exchange.TakeClaim()!.Response;
                recording = RecordWhenBodyEndsAsync(transport, flow);
            }

            another = await RespondAsync(transport, exchange, response, bodyUnread: false, flow.Pipe.Reader, ct).ConfigureAwait(false);
        }
        finally
        {
            // The handler is done with the body: the rest is only recorded (never a wait on a gone reader).
            await flow.Pipe.Reader.DisposeAsync().ConfigureAwait(false);
            await transport.EndBodyFlowAsync(exchange.Finished).ConfigureAwait(false);
        }

        // HTTP/1 reads the next request only after this one's body.
        return recording is null ? another : await recording.ConfigureAwait(false) && another;
    }

    /// <summary>Waits for the body's end and records the request (or its failure).</summary>
    /// <returns>True when the body ended whole.</returns>
    private static async Task<bool> RecordWhenBodyEndsAsync(IExchangeTransport transport, RequestBodyFlow flow)
    {
        var failure = await flow.Ended.ConfigureAwait(false);
        Record(transport, transport.BuildRequest(failure));
        return failure is null;
    }

    /// <summary>
    /// Hands the request to a streaming dispatcher now and its body as it arrives; records the
    /// request when its body ended and returns the dispatcher's answer.
    /// </summary>
    /// <returns>The response, or null when the request broke off (recorded, and answered if malformed).</returns>
    private static async Task<MockResponse?> DispatchStreamingAsync(IExchangeTransport transport, ExchangeState exchange, IStreamingDispatcher dispatcher, CancellationToken ct)
    {
        var server = transport.Connection.Server;
        var flow = transport.OpenBodyFlow();
        using var dispatch = new StreamingDispatch(dispatcher, transport.BuildHead(), flow.Pipe, server.BodyLimit, ct);
        transport.Connection.State = "streaming a request body to the dispatcher";
        Exception? failure;
        try
        {
            failure = await flow.Ended.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await dispatch.AbandonAsync(e, transport.Log).ConfigureAwait(false);
            throw;
        }

        if (failure is not null)
        {
            Record(transport, transport.BuildRequest(failure));
            await dispatch.AbandonAsync(failure, transport.Log).ConfigureAwait(false);
            await transport.AnswerFailedBodyAsync().ConfigureAwait(false);
            return null;
        }

        var request = exchange.Request = transport.BuildRequest(null);
        server.RecordForDispatch(request);
        transport.Connection.State = "dispatching";
        return await dispatch.CompleteAsync(request, server).ConfigureAwait(false);
    }
}
