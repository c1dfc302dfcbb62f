using System.Buffers;
using System.Net.WebSockets;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Policies;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Http1;

/// <summary>
/// A response with a <see cref="MockResponse.WebSocketHandler"/>: the RFC 6455 opening handshake
/// answered with 101 (or refused with 400/426), then the handler runs with the runtime's
/// server-side <see cref="WebSocket"/> over the upgraded connection. The connection is never
/// used for HTTP again.
/// </summary>
internal sealed partial class Http1ServerSession
{
    /// <summary>Serves the WebSocket; always ends the connection.</summary>
    private async Task ServeWebSocketAsync(Http1RequestHead head, int sequence, MockResponse response, RecordedRequest? request)
    {
        string? subprotocol;
        try
        {
            subprotocol = WebSocketHandshake.ValidateUpgrade(head.Method, head.Version, head.Headers, response);
        }
        catch (WebSocketHandshakeException e)
        {
            // Set before any response byte, as a dispatcher's verdict would be.
            if (request is not null)
            {
                request.Failure ??= e;
            }

            _server.ObserveOutcome(request);

            _server.Log($"[conn {_connection.Index} #{sequence}] WebSocket handshake refused: {e.Message}");
            await WriteHandshakeRefusalAsync(e).ConfigureAwait(false);
            return;
        }

        _server.ObserveOutcome(request);

        // Section 4.2.2 item 5: 101, Upgrade, Connection and the accept hash, then the scripted fields.
        using (var head101 = new PooledBufferWriter(256))
        {
            Http1Writer.WriteStatusLine(head101, Protocol.Http11, 101, "Switching Protocols");
            Http1Writer.WriteField(head101, "Upgrade", "websocket");
            Http1Writer.WriteField(head101, "Connection", "Upgrade");
            Http1Writer.WriteField(head101, "Sec-WebSocket-Accept", WebSocketHandshake.Accept(WebSocketHandshake.Key(head.Headers)));
            foreach (var (name, value) in response.Headers)
            {
                if (!IsHandshakeField(name))
                {
                    Http1Writer.WriteField(head101, name, value);
                }
            }

            head101.Write("\r\n"u8);
            await WriteRawAsync(head101.WrittenMemory).ConfigureAwait(false);
        }

        _server.Log($"[conn {_connection.Index} #{sequence}] -> 101 Switching Protocols (WebSocket{(subprotocol is null ? string.Empty : $", subprotocol {subprotocol}")})");
        _server.OnResponseSent(_connection, sequence, 101, head.Version);
        _connection.State = "WebSocket";

        // Bytes the client sent right after its handshake may already sit in the pipe: read through it.
        // Writes go straight to the socket, through the OnResponseBody counter when one is set.
        Stream sink = _connection.Transport;
        var triggers = response.Effective;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            // Counted from the first byte after the 101 head: n cuts a frame part way.
            sink = new ResponseBodyTriggerStream(sink, triggers.OnResponseBodyAfterBytes, bodyEffect, _connection, ShutdownToken);
        }

        var upgraded = new StreamPair(_input.AsStream(leaveOpen: true), sink);
        await WebSocketSession.RunAsync(upgraded, subprotocol, response.WebSocketHandler!, request,
            line => _server.Log($"[conn {_connection.Index} #{sequence}] {line}"), ShutdownToken).ConfigureAwait(false);

        if (triggers.OnResponseEnd is { } endEffect)
        {
            await endEffect.ApplyAsync(_connection, ShutdownToken).ConfigureAwait(false);
        }
    }

    private static bool IsHandshakeField(string name) =>
        name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);

    /// <summary>400, or 426 with the version the server speaks (RFC 6455 section 4.4); then the connection closes.</summary>
    private Task WriteHandshakeRefusalAsync(WebSocketHandshakeException e) =>
        WriteClosingTextAsync(e.StatusCode, e.Message, e.StatusCode == 426 ? new("Sec-WebSocket-Version", WebSocketHandshake.Version) : null);
}
