using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// Writes a duplex response (<see cref="MockResponse.DuplexHandler"/>), the same sequence for every
/// protocol: the head without a length → flush → the handler writing the body (through the
/// OnResponseBody trigger → the protocol's framing) while it reads the request body → the trigger's
/// end → end of body with the trailers the handler decided → flush. A handler that fails cuts the
/// response short instead. The protocol (<see cref="IResponseFraming"/>) only frames each part.
/// A response that may carry no content (<see cref="ResponseWriter.ContentOf"/>) is its head alone,
/// as a scripted one is: the handler still runs and reads the request body, but cannot write one.
/// </summary>
internal static class DuplexResponseWriter
{
    /// <summary>Writes <paramref name="response"/> while its handler reads <paramref name="requestBody"/>.</summary>
    /// <param name="transport">The protocol's side of the exchange (its framing, and the traffic log).</param>
    /// <param name="response">The response, with its duplex handler.</param>
    /// <param name="triggers">The response's effective triggers (OnResponseBody acts here).</param>
    /// <param name="requestBody">The live request body, or the recorded one when dispatched after it.</param>
    /// <param name="ct">Ends the exchange.</param>
    /// <returns>True when the response was written to its end; false when the handler failed and it was cut short.</returns>
    public static async Task<bool> WriteAsync(IExchangeTransport transport, MockResponse response, PolicyTriggers triggers, Stream requestBody, CancellationToken ct)
    {
        var method = transport.RequestMethod;
        if (ResponseWriter.ContentOf(method, response.Code) != ResponseContent.Body && !OpensTunnel(method, response.Code))
        {
            return await WriteWithoutContentAsync(transport, response, requestBody, ct).ConfigureAwait(false);
        }

        await transport.WriteDuplexHeadAsync(response, ct).ConfigureAwait(false);

        // The head reaches the client before the handler runs: it may wait for the client's first
        // message, which a client waits to send until it sees the response start.
        await transport.FlushAsync(ct).ConfigureAwait(false);
        var framed = transport.OpenDuplexBody();
        var sink = framed;
        ResponseBodyTriggerStream? trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            // The threshold as set: a duplex body has no length to take half of.
            sink = trigger = new ResponseBodyTriggerStream(sink, triggers.OnResponseBodyAfterBytes, bodyEffect, transport.EffectTarget, ct);
        }

        MockHeaders? decided;
        try
        {
            // WaitAsync: a handler that ignores its token must not hold the exchange past a reset or shutdown.
            decided = await response.RunDuplexAsync(requestBody, sink, ct).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (ExchangeTerminatedException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            // RFC 9112 section 7.1 / RFC 9113 section 8.1: a body cut short must not look complete, so
            // no last chunk and no END_STREAM follow.
            transport.Log($"duplex handler failed, response cut short: {e}");
            await transport.CutResponseAsync().ConfigureAwait(false);
            return false;
        }

        if (trigger is not null)
        {
            // A body shorter than the threshold: it fires at the end.
            await trigger.CompleteAsync(ct).ConfigureAwait(false);
        }

        await transport.EndBodyAsync(framed, response.TrailersWith(decided), ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// RFC 9110 section 9.3.6: a 2xx to CONNECT has no content because what follows it is the tunnel;
    /// a duplex handler's bytes are that tunnel (HTTP/2: DATA on the stream, RFC 9113 section 8.5 and
    /// RFC 8441 section 5), so the response is written as any duplex one (the head carries no length).
    /// </summary>
    public static bool OpensTunnel(string method, int code) => method == "CONNECT" && code is >= 200 and < 300;

    /// <summary>
    /// Runs the handler over a tunnel the protocol carries on the connection itself (HTTP/1.1, RFC 9110
    /// section 9.3.6), its head already sent: it reads the client's raw bytes and writes raw bytes
    /// (through the OnResponseBody trigger), then the server's side ends. A handler that fails leaves
    /// the tunnel to the pipeline's close.
    /// </summary>
    /// <returns>True when the handler returned and the server's side ended; false when it failed.</returns>
    public static async Task<bool> RunConnectionTunnelAsync(IExchangeTransport transport, MockResponse response, PolicyTriggers triggers, (Stream Input, Stream Output) tunnel, CancellationToken ct)
    {
        var sink = tunnel.Output;
        ResponseBodyTriggerStream? trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            // Counted from the first byte after the head, as for a WebSocket.
            sink = trigger = new ResponseBodyTriggerStream(sink, triggers.OnResponseBodyAfterBytes, bodyEffect, transport.EffectTarget, ct);
        }

        MockHeaders? decided;
        try
        {
            decided = await response.RunDuplexAsync(tunnel.Input, sink, ct).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (ExchangeTerminatedException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            transport.Log($"duplex handler failed, CONNECT tunnel closed: {e}");
            return false;
        }

        if (trigger is not null)
        {
            await trigger.CompleteAsync(ct).ConfigureAwait(false);
        }

        if (response.TrailersWith(decided).Count > 0)
        {
            transport.Log("trailers not sent: a CONNECT tunnel is raw bytes, with no trailer section");
        }

        await transport.EndConnectionTunnelAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A response to HEAD, or a 1xx, 204 or 304: the head is the whole response (HTTP/1.1: no framing
    /// fields, no body; HTTP/2: HEADERS with END_STREAM), then the handler runs with a body that refuses
    /// writes (<see cref="NoContentBodyStream"/>); no trailers follow, nor does OnResponseBody count
    /// anything, as for a scripted response without content.
    /// </summary>
    /// <returns>True when the handler returned; false when it failed (the response was already whole, so nothing is cut).</returns>
    private static async Task<bool> WriteWithoutContentAsync(IExchangeTransport transport, MockResponse response, Stream requestBody, CancellationToken ct)
    {
        // ResponseContent.None even for HEAD: the framing fields a GET would get describe a length only
        // the handler's end decides, which RFC 9110 section 9.3.2 lets a response to HEAD leave out.
        await transport.WriteHeadAsync(response, ResponseContent.None, ct).ConfigureAwait(false);
        await transport.FlushAsync(ct).ConfigureAwait(false);
        MockHeaders? decided;
        try
        {
            decided = await response.RunDuplexAsync(requestBody, new NoContentBodyStream(transport.RequestMethod, response.Code), ct).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (ExchangeTerminatedException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            // The exchange ends here (HTTP/1: the connection closes, as the handler may have left the
            // request body part read); the handler saw its error, and the log says it too.
            transport.Log($"duplex handler failed after a {response.Code} response without content: {e}");
            return false;
        }

        if (response.TrailersWith(decided).Count > 0)
        {
            transport.Log($"trailers not sent: the {response.Code} response to {transport.RequestMethod} ended with its head (no content, so no trailer section)");
        }

        return true;
    }
}
