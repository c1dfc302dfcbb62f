using System.Net.WebSockets;
using System.Text;

namespace MockKit.Assertions;

/// <summary>Assertions on a <see cref="WebSocketRecorder"/>. Each returns its subject so they chain.</summary>
public static class WebSocketRecorderAssertions
{
    /// <summary>Asserts the client sent exactly these text messages, in order (whole messages, fragments joined).</summary>
    /// <param name="recorder">The recorder.</param>
    /// <param name="texts">The expected messages.</param>
    /// <returns>The recorder.</returns>
    public static WebSocketRecorder ShouldHaveReceivedMessages(this WebSocketRecorder recorder, params string[] texts)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(texts);
        var messages = recorder.Messages;
        var matches = messages.Count == texts.Length
            && messages.Select((m, i) => m.Type == WebSocketMessageType.Text && m.Text == texts[i]).All(ok => ok);
        return matches ? recorder : throw Fail(recorder, messages, string.Join(", ", texts.Select(t => $"text \"{t}\"")));
    }

    /// <summary>Asserts the client sent exactly these binary messages, in order (whole messages, fragments joined).</summary>
    /// <param name="recorder">The recorder.</param>
    /// <param name="payloads">The expected payloads.</param>
    /// <returns>The recorder.</returns>
    public static WebSocketRecorder ShouldHaveReceivedMessages(this WebSocketRecorder recorder, params byte[][] payloads)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(payloads);
        var messages = recorder.Messages;
        var matches = messages.Count == payloads.Length
            && messages.Select((m, i) => m.Type == WebSocketMessageType.Binary && m.Payload.SequenceEqual(payloads[i])).All(ok => ok);
        return matches ? recorder : throw Fail(recorder, messages, string.Join(", ", payloads.Select(p => $"binary [{string.Join(", ", p)}]")));
    }

    /// <summary>
    /// Asserts the client sent exactly these messages, in order, each with the expected type and payload
    /// (whole messages, fragments joined): for a conversation that mixes text and binary messages.
    /// </summary>
    /// <param name="recorder">The recorder.</param>
    /// <param name="expected">The expected messages, made with <see cref="WebSocketRecordedMessage.FromText"/> and <see cref="WebSocketRecordedMessage.FromBinary"/>.</param>
    /// <returns>The recorder.</returns>
    /// <example>
    /// <code>
    /// recorder.ShouldHaveReceivedMessages(WebSocketRecordedMessage.FromText("hello"), WebSocketRecordedMessage.FromBinary([1, 2, 3]));
    /// </code>
    /// </example>
    public static WebSocketRecorder ShouldHaveReceivedMessages(this WebSocketRecorder recorder, params WebSocketRecordedMessage[] expected)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(expected);
        foreach (var message in expected)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(expected));
        }

        var messages = recorder.Messages;
        return messages.SequenceEqual(expected) ? recorder : throw Fail(recorder, messages, string.Join(", ", expected.AsEnumerable()));
    }

    /// <summary>Asserts the client closed with <paramref name="status"/> (and <paramref name="description"/>, when given).</summary>
    /// <param name="recorder">The recorder.</param>
    /// <param name="status">The expected close status.</param>
    /// <param name="description">The expected description; null (the default) does not check it.</param>
    /// <returns>The recorder.</returns>
    public static WebSocketRecorder ShouldHaveClosedWith(this WebSocketRecorder recorder, WebSocketCloseStatus status, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        if (recorder.CloseStatus == status && (description is null || recorder.CloseStatusDescription == description))
        {
            return recorder;
        }

        var expected = description is null ? $"{Describe(status)}" : $"{Describe(status)} \"{description}\"";
        var actual = recorder.CloseStatus is { } got
            ? $"{Describe(got)} \"{recorder.CloseStatusDescription}\""
            : recorder.Failure is { } failure ? $"no close frame ({failure.GetType().Name}: {failure.Message})" : "no close frame yet";
        throw AssertionFailure.Create("WebSocket", "have been closed by the client with", expected, actual, Context(recorder, recorder.Messages));
    }

    private static Shouldly.ShouldAssertException Fail(WebSocketRecorder recorder, IReadOnlyList<WebSocketRecordedMessage> messages, string expected) =>
        AssertionFailure.Create("WebSocket", "have received messages", $"[{expected}]", $"[{string.Join(", ", messages)}]", Context(recorder, messages));

    private static string Describe(WebSocketCloseStatus status) => $"{(int)status} ({status})";

    private static string Context(WebSocketRecorder recorder, IReadOnlyList<WebSocketRecordedMessage> messages)
    {
        var context = new StringBuilder().Append("Received ").Append(messages.Count).Append(" message(s):\n");
        foreach (var message in messages)
        {
            context.Append("    ").Append(message).Append('\n');
        }

        context.Append(recorder.CloseStatus is { } status
            ? $"Closed by the client: {Describe(status)} \"{recorder.CloseStatusDescription}\""
            : recorder.Failure is { } failure ? $"Ended without a close frame: {failure.Message}" : "Still open (no close frame yet).");
        return context.ToString();
    }
}
