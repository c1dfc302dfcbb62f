using System.Net.WebSockets;
using System.Text;

namespace MockKit.Assertions;

/// <summary>
/// One whole WebSocket message a <see cref="WebSocketRecorder"/> received (its fragments joined), or one
/// a test expects (<see cref="FromText"/>, <see cref="FromBinary"/>). Immutable.
/// </summary>
/// <remarks>
/// Two messages are equal when they have the same <see cref="Type"/> and the same payload bytes, so a
/// recorded message equals the expected one built with <see cref="FromText"/> or <see cref="FromBinary"/>
/// (<c>recorder.Messages.ShouldContain(WebSocketRecordedMessage.FromText("hi"))</c> works). The
/// <c>==</c> operator is not overloaded and still compares references.
/// </remarks>
public sealed class WebSocketRecordedMessage : IEquatable<WebSocketRecordedMessage>
{
    private readonly byte[] _payload;

    internal WebSocketRecordedMessage(WebSocketMessageType type, byte[] payload)
    {
        Type = type;
        _payload = payload;
    }

    /// <summary><see cref="WebSocketMessageType.Text"/> or <see cref="WebSocketMessageType.Binary"/>.</summary>
    public WebSocketMessageType Type { get; }

    /// <summary>The payload, every fragment's bytes in order.</summary>
    public IReadOnlyList<byte> Payload => _payload;

    /// <summary>The payload decoded as UTF-8 (what a text message carries).</summary>
    public string Text => Encoding.UTF8.GetString(_payload);

    /// <summary>An expected text message: <paramref name="text"/> encoded as UTF-8 (RFC 6455 section 5.6).</summary>
    /// <param name="text">The message's text.</param>
    /// <returns>A <see cref="WebSocketMessageType.Text"/> message, for <see cref="WebSocketRecorderAssertions.ShouldHaveReceivedMessages(WebSocketRecorder, WebSocketRecordedMessage[])"/>.</returns>
    public static WebSocketRecordedMessage FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>An expected binary message carrying a copy of <paramref name="payload"/>.</summary>
    /// <param name="payload">The message's bytes (a <c>byte[]</c>, a <c>"..."u8</c> literal or <c>[1, 2, 3]</c>).</param>
    /// <returns>A <see cref="WebSocketMessageType.Binary"/> message, for <see cref="WebSocketRecorderAssertions.ShouldHaveReceivedMessages(WebSocketRecorder, WebSocketRecordedMessage[])"/>.</returns>
    public static WebSocketRecordedMessage FromBinary(ReadOnlySpan<byte> payload) => new(WebSocketMessageType.Binary, payload.ToArray());

    /// <summary>Whether <paramref name="other"/> has the same type and the same payload bytes.</summary>
    /// <param name="other">The message to compare with.</param>
    /// <returns>True when type and payload are equal.</returns>
    public bool Equals(WebSocketRecordedMessage? other) =>
        other is not null && (ReferenceEquals(this, other) || (Type == other.Type && _payload.AsSpan().SequenceEqual(other._payload)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as WebSocketRecordedMessage);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(_payload);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => Type == WebSocketMessageType.Text
        ? $"text \"{Text}\""
        : $"binary [{string.Join(", ", _payload)}]";
}
