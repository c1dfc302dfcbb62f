using System.Net.WebSockets;
using System.Text;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>Small server-side handlers and client helpers the WebSocket tests share.</summary>
internal static class WebSocketTestHandlers
{
    /// <summary>Every test's hard bound: a broken exchange fails the test instead of hanging it.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Echoes each whole message (reassembled from its fragments) until the client closes, then completes the close handshake.</summary>
    public static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (type, payload) = await ReceiveMessageAsync(socket, cancellationToken);
            if (type == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, cancellationToken);
                return;
            }

            await socket.SendAsync(payload, type, endOfMessage: true, cancellationToken);
        }
    }

    /// <summary>Reads one whole message (its fragments concatenated), or the close frame.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveMessageAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, []);
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    public static async Task<string> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var (type, payload) = await ReceiveMessageAsync(socket, cancellationToken);
        type.ShouldBe(WebSocketMessageType.Text);
        return Encoding.UTF8.GetString(payload);
    }

    public static Task SendTextAsync(WebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>The server URL with the ws scheme.</summary>
    public static Uri WebSocketUrl(MockWebServer server, string path)
    {
        var builder = new UriBuilder(server.Url(path));
        builder.Scheme = builder.Scheme == "https" ? "wss" : "ws";
        return builder.Uri;
    }
}
