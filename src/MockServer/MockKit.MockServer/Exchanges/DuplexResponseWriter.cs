using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// Writes a duplex response (<see cref="MockResponse.DuplexHandler"/>), the same sequence for every
/// protocol: the head without a length → flush → the handler writing the body (through the
/// OnResponseBody trigger → the protocol's framing) while it reads the request body → the trigger's
/// end → end of body with the trailers the handler decided → flush. A handler that fails cuts the
/// response short instead. The protocol (<see cref="IResponseFraming"/>) only frames each part.
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
}
