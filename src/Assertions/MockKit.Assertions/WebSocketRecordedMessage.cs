using System.Net.WebSockets;
using System.Text;

namespace MockKit.Assertions;

/// <summary>One whole WebSocket message a <see cref="WebSocketRecorder"/> received (its fragments joined). Immutable.</summary>
public sealed class WebSocketRecordedMessage
{
    internal WebSocketRecordedMessage(WebSocketMessageType type, byte[] payload)
    {
        Type = type;
        Payload = payload;
    }

    /// <summary><see cref="WebSocketMessageType.Text"/> or <see cref="WebSocketMessageType.Binary"/>.</summary>
    public WebSocketMessageType Type { get; }

    /// <summary>The payload, every fragment's bytes in order.</summary>
    public IReadOnlyList<byte> Payload { get; }

    /// <summary>The payload decoded as UTF-8 (what a text message carries).</summary>
    public string Text => Encoding.UTF8.GetString((byte[])Payload);

    /// <inheritdoc />
    public override string ToString() => Type == WebSocketMessageType.Text
        ? $"text \"{Text}\""
        : $"binary [{string.Join(", ", Payload)}]";
}
