using MockKit.MockServer.Connections;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Exchanges;

/// <summary>The response half of the pipeline: one place per trigger, one branch per kind of response.</summary>
internal static partial class ServerExchange
{
    /// <summary>Sends the dispatched response with its triggers.</summary>
    /// <param name="transport">The protocol's side of the exchange.</param>
    /// <param name="exchange">The exchange; its recorded request (if any) is the one the response answers.</param>
    /// <param name="response">The response.</param>
    /// <param name="bodyUnread">True when the request body was left unread: the connection carries nothing more.</param>
    /// <param name="liveBody">The request body as it arrives, when the response is served while it flows; null when it was read (or never will be).</param>
    /// <param name="ct">Ends the exchange.</param>
    /// <returns>True when the connection carries another exchange.</returns>
    private static async Task<bool> RespondAsync(IExchangeTransport transport, ExchangeState exchange, MockResponse response, bool bodyUnread, Stream? liveBody, CancellationToken ct)
    {
        // A streamed body (a forwarded response's) is relayed once and let go of however the
        // exchange ends, so the upstream is never left half read.
        response.Body.Source?.Take();
        var request = exchange.Request;
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
                if (await ServeWebSocketAsync(transport, response, request, liveBody, ct).ConfigureAwait(false))
                {
                    // The WebSocket's end is the response's end, on either protocol (HTTP/1.1: after the
                    // close frame on the upgraded connection; HTTP/2: after our END_STREAM, on the stream).
                    await ApplyResponseEndAsync(transport, triggers, ct).ConfigureAwait(false);
                }

                return false; // Never reused: the exchange carried a WebSocket (or a refused handshake).
            }

            if (response.DuplexHandler is not null && DuplexResponseWriter.OpensTunnel(transport.RequestMethod, response.Code)
                && await transport.OpenConnectionTunnelAsync(response, ct).ConfigureAwait(false) is { } tunnel)
            {
                // HTTP/1.1: the connection is the tunnel (RFC 9110 section 9.3.6); its end is the response's end.
                if (await DuplexResponseWriter.RunConnectionTunnelAsync(transport, response, triggers, tunnel, ct).ConfigureAwait(false))
                {
                    transport.OnResponseSent(response, duplex: true);
                    await ApplyResponseEndAsync(transport, triggers, ct).ConfigureAwait(false);
                }

                return false; // Never reused: the connection carried a tunnel.
            }

            if (response.DuplexHandler is not null)
            {
                // Live, or dispatched after the whole body (not claimed on arrival): then the handler reads it from the record.
                using var recordedBody = liveBody is null ? new MemoryStream(request?.Body ?? [], writable: false) : null;
                if (!await DuplexResponseWriter.WriteAsync(transport, response, triggers, liveBody ?? recordedBody!, ct).ConfigureAwait(false))
                {
                    return false; // Cut short: the connection (HTTP/1) or the stream (HTTP/2) ends with it.
                }

                transport.OnResponseSent(response, duplex: true);
            }
            else
            {
                // Scripted, streamed or an event stream: the pipeline's writer, through the protocol's framing.
                await transport.BeforeWriteResponseAsync(response, ct).ConfigureAwait(false);
                await ResponseWriter.WriteAsync(transport, transport.RequestMethod, response, triggers, ct).ConfigureAwait(false);
                exchange.ResponseWritten = true;
                if (!bodyUnread)
                {
                    // An unread body may be reset by the client after the response, which abandons nothing.
                    exchange.Responded = request;
                }

                transport.OnResponseSent(response, duplex: false);
                // DisconnectAfterEvents first: reading the record's Method materialises its head, which an
                // untaken recording otherwise keeps as raw bytes (RecordingRetentionTests).
                if (response.DisconnectAfterEvents is not null && response.EventPlan(request?.Method) is { Cut: true } events)
                {
                    return await CutEventStreamAsync(transport, request, events.Count, ct).ConfigureAwait(false);
                }
            }

            if (await ApplyResponseEndAsync(transport, triggers, ct).ConfigureAwait(false))
            {
                return false;
            }

            exchange.Finished = true;
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

    /// <summary>OnResponseEnd, once what the response wrote is on the wire.</summary>
    /// <returns>True when the effect ended the exchange.</returns>
    private static async ValueTask<bool> ApplyResponseEndAsync(IExchangeTransport transport, PolicyTriggers triggers, CancellationToken ct)
    {
        if (triggers.OnResponseEnd is not { } endEffect)
        {
            return false;
        }

        await transport.FlushBeforeEndAsync(ct).ConfigureAwait(false);
        return await endEffect.ApplyAsync(transport.EffectTarget, ct).ConfigureAwait(false);
    }
}
