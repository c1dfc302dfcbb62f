using System.Buffers;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Http1;

/// <summary>
/// The WebSocket's framing on HTTP/1.1 (the sequence is the pipeline's, ServerExchange.WebSocket.cs):
/// the RFC 6455 opening handshake checked and answered with 101 (or refused with 400/426), then the
/// upgraded connection carries the WebSocket's bytes. The connection is never used for HTTP again.
/// </summary>
internal sealed partial class Http1ServerSession
{
    string? IExchangeTransport.ValidateWebSocketHandshake(MockResponse response) =>
        WebSocketHandshake.ValidateUpgrade(_head.Method, _head.Version, _head.Headers, response);

    ValueTask IExchangeTransport.RefuseWebSocketAsync(WebSocketHandshakeException refusal, CancellationToken cancellationToken) =>
        new(WriteHandshakeRefusalAsync(refusal));

    async ValueTask IExchangeTransport.AcceptWebSocketAsync(MockResponse response, string? subprotocol, CancellationToken cancellationToken)
    {
        // Section 4.2.2 item 5: 101, Upgrade, Connection and the accept hash, then the scripted fields.
        using (var head101 = new PooledBufferWriter(256))
        {
            Http1Writer.WriteStatusLine(head101, Protocol.Http11, 101, "Switching Protocols");
            Http1Writer.WriteField(head101, "Upgrade", "websocket");
            Http1Writer.WriteField(head101, "Connection", "Upgrade");
            Http1Writer.WriteField(head101, "Sec-WebSocket-Accept", WebSocketHandshake.Accept(WebSocketHandshake.Key(_head.Headers)));
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

        _server.Log(_connection.Index, _sequence, $"-> 101 Switching Protocols (WebSocket{(subprotocol is null ? string.Empty : $", subprotocol {subprotocol}")})");
        _server.OnResponseSent(_connection, _sequence, 101, _head.Version);
        _connection.State = "WebSocket";
    }

    // Bytes the client sent right after its handshake may already sit in the pipe: read through it.
    // Writes go straight to the socket.
    (Stream Input, Stream Output) IExchangeTransport.OpenWebSocket(Stream? tunnel) => (_input.AsStream(leaveOpen: true), _connection.Transport);

    // The connection is the WebSocket's: nothing HTTP ends here, and OnResponseEnd acts on the connection.
    ValueTask IExchangeTransport.EndWebSocketAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

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
