namespace MockKit.MockServer.Exchanges;

/// <summary>The end of an event stream cut by <see cref="MockResponse.DisconnectAfterEvents"/>.</summary>
internal static partial class ServerExchange
{
    /// <summary>
    /// The session wrote the head and the events and left the body open (no last chunk, no
    /// END_STREAM); the exchange now ends without a clean end: HTTP/1.1 closes the socket inside the
    /// chunked body, HTTP/2 resets the stream (RST_STREAM INTERNAL_ERROR, RFC 9113 section 6.4).
    /// </summary>
    /// <returns>False: the connection carries no other exchange (HTTP/1.1); a stream carries one anyway.</returns>
    private static async Task<bool> CutEventStreamAsync(IExchangeTransport transport, RecordedRequest? request, int events, CancellationToken ct)
    {
        var effect = new SocketEffect.CloseStream(Http2ErrorCode.InternalError);
        var message = $"DisconnectAfterEvents: {effect} after {events} event(s); the event stream has no clean end.";

        // Set before the cut, so a test that read the stream up to its failure finds it recorded.
        if (request is not null)
        {
            request.Failure ??= new SocketPolicyException(nameof(MockResponse.DisconnectAfterEvents), effect, message);
        }

        transport.Log(message);
        await transport.FlushBeforeEndAsync(ct).ConfigureAwait(false);
        await effect.ApplyAsync(transport.EffectTarget, ct).ConfigureAwait(false);
        return false;
    }
}
