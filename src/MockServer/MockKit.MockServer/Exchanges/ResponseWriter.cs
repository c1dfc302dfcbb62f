using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// Writes a scripted, streamed or event-stream response, the same sequence for every protocol:
/// interim (1xx) responses → HeadersDelay → a malformed fault, or Trailers-Only, or the head → BodyDelay
/// → the body through its decorators (OnResponseBody trigger → throttle → the protocol's framing) →
/// the trigger's end → end of body with trailers → flush. The protocol (<see cref="IResponseFraming"/>)
/// only frames each part, and decides when a response goes out whole in its fastest way.
/// </summary>
internal static class ResponseWriter
{
    /// <summary>Writes <paramref name="response"/> to a request with <paramref name="method"/>.</summary>
    /// <param name="framing">The protocol's framing of the exchange (HTTP/1.1 session, HTTP/2 stream).</param>
    /// <param name="method">The request method: HEAD and CONNECT change what the response carries.</param>
    /// <param name="response">The response.</param>
    /// <param name="triggers">The response's effective triggers (OnResponseBody acts here).</param>
    /// <param name="ct">Ends the exchange.</param>
    public static ValueTask WriteAsync(IResponseFraming framing, string method, MockResponse response, PolicyTriggers triggers, CancellationToken ct)
    {
        var content = ContentOf(method, response.Code);

        // The common case (a plain response) is handed straight to the protocol's fast path, with no
        // state machine of our own: a plain response costs no allocation here.
        if (response.InformationalResponses.Count == 0 && response.HeadersDelay <= TimeSpan.Zero && response.Malformed is null && !response.TrailersOnly)
        {
            var body = content == ResponseContent.Body ? response.Body.Content : ReadOnlyMemory<byte>.Empty;
            if (IsWhole(response, triggers, content) && framing.CanWriteWhole(response, body, content))
            {
                return framing.WriteWholeAsync(response, body, content, ct);
            }
        }

        return WriteSequenceAsync(framing, method, content, response, triggers, ct);
    }

    /// <summary>
    /// What a response may carry (RFC 9110): no content and no framing fields for 1xx, 204, 304 and a
    /// 2xx to CONNECT (sections 6.4.1, 9.3.6); framing fields but no content for HEAD (section 9.3.2).
    /// </summary>
    internal static ResponseContent ContentOf(string method, int code) =>
        code is < 200 or 204 or 304 || (method == "CONNECT" && code is >= 200 and < 300) ? ResponseContent.None
        : method == "HEAD" ? ResponseContent.HeadOnly
        : ResponseContent.Body;

    private static async ValueTask WriteSequenceAsync(IResponseFraming framing, string method, ResponseContent content, MockResponse response, PolicyTriggers triggers, CancellationToken ct)
    {
        // Indexed: a foreach over the IList would box its enumerator for every response, 1xx or not.
        var informationalResponses = response.InformationalResponses;
        for (var i = 0; i < informationalResponses.Count; i++)
        {
            await framing.WriteInformationalAsync(informationalResponses[i], ct).ConfigureAwait(false);
        }

        if (response.HeadersDelay > TimeSpan.Zero)
        {
            // The interim responses reach the client before the wait, the head after it.
            await framing.FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.HeadersDelay, framing.Time, ct).ConfigureAwait(false);
        }

        var body = content == ResponseContent.Body ? response.Body.Content : ReadOnlyMemory<byte>.Empty;
        if (response.Malformed is { } fault)
        {
            await framing.WriteMalformedAsync(response, content, fault, body, ct).ConfigureAwait(false);
            return;
        }

        if (response.TrailersOnly)
        {
            await framing.WriteTrailersOnlyAsync(response, content, ct).ConfigureAwait(false);
            return;
        }

        if (IsWhole(response, triggers, content) && framing.CanWriteWhole(response, body, content))
        {
            await framing.WriteWholeAsync(response, body, content, ct).ConfigureAwait(false);
            return;
        }

        await framing.WriteHeadAsync(response, content, ct).ConfigureAwait(false);
        if (content != ResponseContent.Body)
        {
            // The head was the whole response: no body, no delay before it, no trigger counting it.
            await framing.FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        if (response.BodyDelay > TimeSpan.Zero)
        {
            await framing.FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.BodyDelay, framing.Time, ct).ConfigureAwait(false);
        }

        if (IsUndecorated(response, triggers))
        {
            await framing.WriteBodyAsync(response, body, ct).ConfigureAwait(false);
            return;
        }

        // Decorators, outermost first: trigger (counts body bytes) → throttle → the protocol's framing
        // (HTTP/1.1 puts its chunk framing above the throttle, so the pacing counts chunk bytes).
        var framed = framing.OpenBody(response, response.Throttle);
        var sink = framed;
        ResponseBodyTriggerStream? trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            var after = triggers.OnResponseBodyAfterBytes >= 0 ? triggers.OnResponseBodyAfterBytes : response.Body.HalfLength;
            sink = trigger = new ResponseBodyTriggerStream(sink, after, bodyEffect, framing.EffectTarget, ct);
        }

        if (response.Body.Source is { } streamed)
        {
            // Relayed as it arrives: each read goes out (framed, paced, counted) before the next.
            await streamed.CopyToAsync(sink, framing.BodySinkKeepsWrites, ct).ConfigureAwait(false);
        }
        else if (response.Body.Events is { } events)
        {
            var (count, cut) = response.EventPlan(method);
            await events.WriteAsync(sink, count, framing.Time, ct).ConfigureAwait(false);
            if (cut)
            {
                // DisconnectAfterEvents: the body never ends cleanly (no last chunk, no END_STREAM);
                // the pipeline cuts the exchange next (ServerExchange.CutEventStreamAsync).
                await framing.FlushAsync(ct).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            // A paced body goes out segment by segment, each flushed (MockBody.Paced).
            await response.Body.WriteAsync(sink, body, framing.Time, ct).ConfigureAwait(false);
        }

        if (trigger is not null)
        {
            await trigger.CompleteAsync(ct).ConfigureAwait(false);
        }

        await framing.EndBodyAsync(framed, response.Trailers, ct).ConfigureAwait(false);
    }

    /// <summary>True when nothing sits between the body and the protocol's framing.</summary>
    private static bool IsUndecorated(MockResponse response, PolicyTriggers triggers) =>
        response.Body.Source is null && response.Body.Events is null && response.Throttle is null
        && triggers.OnResponseBody is null && response.Body.SegmentEnds is null;

    /// <summary>
    /// True when the response could go out in one step: no content is due, or a fixed body follows the
    /// head at once with nothing between it and the framing.
    /// </summary>
    private static bool IsWhole(MockResponse response, PolicyTriggers triggers, ResponseContent content) =>
        content != ResponseContent.Body || (response.BodyDelay <= TimeSpan.Zero && IsUndecorated(response, triggers));
}
