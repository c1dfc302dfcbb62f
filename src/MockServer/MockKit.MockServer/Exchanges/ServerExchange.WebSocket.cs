using MockKit.MockServer.Connections;
using MockKit.MockServer.Policies;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// A response with a <see cref="MockResponse.WebSocketHandler"/>, the same sequence for every protocol:
/// the opening handshake decided (refused with 400/426, the request's failure saying why) → the
/// handshake response → the handler over the WebSocket's byte streams (writes through the
/// OnResponseBody counter) → the end. The protocol frames the handshake its own way (HTTP/1.1:
/// 101 Upgrade, RFC 6455 section 4; HTTP/2: 200 to an extended CONNECT, RFC 8441 section 5) and
/// carries the bytes (the upgraded connection, or the stream's DATA). A WebSocket that ended whole
/// is a response that ended: OnResponseEnd acts after it on both protocols (RespondAsync).
/// </summary>
internal static partial class ServerExchange
{
    /// <summary>Serves the WebSocket; the exchange ends the connection's HTTP use.</summary>
    /// <returns>
    /// True when the WebSocket ended whole (the handler returned and the server's side was closed and
    /// ended): OnResponseEnd acts next. False when the handshake was refused, or a policy, a failing
    /// handler or the server's shutdown cut it.
    /// </returns>
    /// <param name="transport">The protocol's side of the exchange.</param>
    /// <param name="response">The response, with its WebSocket handler.</param>
    /// <param name="request">The recorded request the response answers.</param>
    /// <param name="tunnel">The live request DATA of an extended CONNECT; null on HTTP/1.1.</param>
    /// <param name="ct">Ends the exchange.</param>
    private static async Task<bool> ServeWebSocketAsync(IExchangeTransport transport, MockResponse response, RecordedRequest? request, Stream? tunnel, CancellationToken ct)
    {
        var server = transport.Connection.Server;
        string? subprotocol;
        try
        {
            subprotocol = transport.ValidateWebSocketHandshake(response);
        }
        catch (WebSocketHandshakeException e)
        {
            // Set before any response byte, as a dispatcher's verdict would be.
            if (request is not null)
            {
                request.Failure ??= e;
            }

            server.ObserveOutcome(request);
            transport.Log($"WebSocket handshake refused: {e.Message}");
            await transport.RefuseWebSocketAsync(e, ct).ConfigureAwait(false);
            return false;
        }

        server.ObserveOutcome(request);
        await transport.AcceptWebSocketAsync(response, subprotocol, ct).ConfigureAwait(false);
        var (input, output) = transport.OpenWebSocket(tunnel);
        var triggers = response.Effective;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            // Counted from the first byte after the handshake response: n cuts a frame part way.
            output = new ResponseBodyTriggerStream(output, triggers.OnResponseBodyAfterBytes, bodyEffect, transport.EffectTarget, ct);
        }

        var whole = await WebSocketSession.RunAsync(new StreamPair(input, output), subprotocol, response.WebSocketHandler!, request, transport.Log, ct).ConfigureAwait(false);

        // Even a cut WebSocket ends our side on HTTP/2 (END_STREAM unless a reset already ended it).
        await transport.EndWebSocketAsync(ct).ConfigureAwait(false);
        return whole;
    }
}
