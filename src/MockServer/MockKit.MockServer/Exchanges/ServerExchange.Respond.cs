using MockKit.MockServer.Connections;

namespace MockKit.MockServer.Exchanges;

/// <summary>The response half of the pipeline: one place per trigger, one branch per kind of response.</summary>
internal static partial class ServerExchange
{
    /// <summary>Sends the dispatched response with its triggers.</summary>
    /// <returns>True when the connection carries another exchange.</returns>
    internal static async Task<bool> RespondAsync(IExchangeTransport transport, MockResponse response, RecordedRequest? request, bool bodyUnread, CancellationToken ct)
    {
        // A streamed body (a forwarded response's) is relayed once and let go of however the
        // exchange ends, so the upstream is never left half read.
        response.Body.Source?.Take();
        try
        {
            var triggers = response.Effective;
            transport.BeforeResponse(response);
            if (triggers.OnResponseStart is { } startEffect)
            {
                transport.Log($"{ServerConnection.DescribeSource(response, response.OnResponseStart)}: {startEffect} instead of a response");
                if (await startEffect.ApplyAsync(transport.EffectTarget, ct).ConfigureAwait(false))
                {
                    return false;
                }
            }

            if (response.WebSocketHandler is not null)
            {
                await transport.ServeWebSocketAsync(response, request, ct).ConfigureAwait(false);
                return false; // Never reused: the exchange carried a WebSocket (or a refused handshake).
            }

            if (response.DuplexHandler is not null)
            {
                // Dispatched after the whole body (not claimed on arrival): the handler reads it from the record.
                return await transport.ServeDuplexAsync(response, request, ct).ConfigureAwait(false)
                    && await transport.FinishAsync(response, triggers, bodyUnread).ConfigureAwait(false);
            }

            await transport.WriteResponseAsync(response, triggers, ct).ConfigureAwait(false);
            transport.OnResponseSent(response);
            if (triggers.OnResponseEnd is { } endEffect)
            {
                await transport.FlushBeforeEndAsync(ct).ConfigureAwait(false);
                if (await endEffect.ApplyAsync(transport.EffectTarget, ct).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return await transport.FinishAsync(response, triggers, bodyUnread).ConfigureAwait(false);
        }
        finally
        {
            if (response.Body.Source is { } streamed)
            {
                await streamed.ReleaseAsync(transport.ConnectionToken).ConfigureAwait(false);
            }
        }
    }
}
