using System.Net.WebSockets;
using System.Text;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary><see cref="WebSocketRecorder"/> as a server handler, with the runtime's ClientWebSocket on the other end.</summary>
public sealed class WebSocketRecorderTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Records_whole_messages_and_the_close_and_echoes()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        var recorder = new WebSocketRecorder(echo: true);
        server.Enqueue(new MockResponse { WebSocketHandler = recorder.Handler });
        using var client = await ConnectAsync(server, cts.Token);

        await client.SendAsync("hel"u8.ToArray(), WebSocketMessageType.Text, false, cts.Token);
        await client.SendAsync("lo"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        var echo = new byte[16];
        var received = await client.ReceiveAsync(echo, cts.Token);
        Encoding.UTF8.GetString(echo, 0, received.Count).ShouldBe("hello");
        await client.SendAsync("again"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        await client.ReceiveAsync(echo, cts.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);

        recorder.ShouldHaveReceivedMessages("hello", "again").ShouldHaveClosedWith(WebSocketCloseStatus.NormalClosure, "done");
        await recorder.Completion.WaitAsync(cts.Token);
        recorder.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task Binary_messages_and_failure_messages_name_what_was_received()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        var recorder = new WebSocketRecorder();
        server.Enqueue(new MockResponse { WebSocketHandler = recorder.Handler });
        using var client = await ConnectAsync(server, cts.Token);
        await client.SendAsync(new byte[] { 1, 2 }, WebSocketMessageType.Binary, true, cts.Token);
        await client.CloseAsync((WebSocketCloseStatus)4001, "custom", cts.Token);

        recorder.ShouldHaveReceivedMessages([1, 2]);
        Should.Throw<ShouldAssertException>(() => recorder.ShouldHaveReceivedMessages("text?")).Message.ShouldBe(
            "WebSocket should have received messages\n    [text \"text?\"]\n    but was\n    [binary [1, 2]]\n\n"
            + "Received 1 message(s):\n    binary [1, 2]\nClosed by the client: 4001 (4001) \"custom\"");
        Should.Throw<ShouldAssertException>(() => recorder.ShouldHaveClosedWith(WebSocketCloseStatus.NormalClosure)).Message.ShouldStartWith(
            "WebSocket should have been closed by the client with\n    1000 (NormalClosure)\n    but was\n    4001 (4001) \"custom\"");
    }

    [Fact]
    public async Task A_mixed_text_and_binary_conversation_is_asserted_in_one_call()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        var recorder = new WebSocketRecorder();
        server.Enqueue(new MockResponse { WebSocketHandler = recorder.Handler });
        using var client = await ConnectAsync(server, cts.Token);
        await client.SendAsync("hel"u8.ToArray(), WebSocketMessageType.Text, false, cts.Token);
        await client.SendAsync("lo"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        await client.SendAsync(new byte[] { 0, 255 }, WebSocketMessageType.Binary, true, cts.Token);
        await client.SendAsync("A"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);

        recorder.ShouldHaveReceivedMessages(
                WebSocketRecordedMessage.FromText("hello"), WebSocketRecordedMessage.FromBinary([0, 255]), WebSocketRecordedMessage.FromText("A"))
            .ShouldHaveClosedWith(WebSocketCloseStatus.NormalClosure, "done");

        // Same bytes, other type: "A" as binary [65] is a different message.
        var wrongType = Should.Throw<ShouldAssertException>(() => recorder.ShouldHaveReceivedMessages(
            WebSocketRecordedMessage.FromText("hello"), WebSocketRecordedMessage.FromBinary([0, 255]), WebSocketRecordedMessage.FromBinary("A"u8)));
        wrongType.Message.ShouldBe(
            "WebSocket should have received messages\n    [text \"hello\", binary [0, 255], binary [65]]\n    but was\n    [text \"hello\", binary [0, 255], text \"A\"]\n\n"
            + "Received 3 message(s):\n    text \"hello\"\n    binary [0, 255]\n    text \"A\"\nClosed by the client: 1000 (NormalClosure) \"done\"");

        // Order counts, and so does the count.
        Should.Throw<ShouldAssertException>(() => recorder.ShouldHaveReceivedMessages(
            WebSocketRecordedMessage.FromBinary([0, 255]), WebSocketRecordedMessage.FromText("hello"), WebSocketRecordedMessage.FromText("A")));
        Should.Throw<ShouldAssertException>(() => recorder.ShouldHaveReceivedMessages(
            WebSocketRecordedMessage.FromText("hello"), WebSocketRecordedMessage.FromBinary([0, 255])))
            .Message.ShouldStartWith("WebSocket should have received messages\n    [text \"hello\", binary [0, 255]]\n    but was\n    [text \"hello\", binary [0, 255], text \"A\"]");
        Should.Throw<ArgumentNullException>(() => recorder.ShouldHaveReceivedMessages(WebSocketRecordedMessage.FromText("hello"), null!));
    }

    [Fact]
    public void Messages_are_equal_by_type_and_payload()
    {
        var text = WebSocketRecordedMessage.FromText("é");
        text.ShouldBe(WebSocketRecordedMessage.FromText("é"));
        text.GetHashCode().ShouldBe(WebSocketRecordedMessage.FromText("é").GetHashCode());
        text.Payload.ShouldBe(new byte[] { 0xC3, 0xA9 }); // UTF-8.
        text.ShouldNotBe(WebSocketRecordedMessage.FromBinary([0xC3, 0xA9]));
        text.ShouldNotBe(WebSocketRecordedMessage.FromText("e"));
        text.Equals(null).ShouldBeFalse();
        WebSocketRecordedMessage.FromBinary([]).ShouldBe(WebSocketRecordedMessage.FromBinary(ReadOnlySpan<byte>.Empty));

        // FromBinary copies: changing the caller's array afterwards changes nothing.
        var bytes = new byte[] { 1, 2 };
        var binary = WebSocketRecordedMessage.FromBinary(bytes);
        bytes[0] = 9;
        binary.Payload.ShouldBe(new byte[] { 1, 2 });
        binary.ToString().ShouldBe("binary [1, 2]");
    }

    private static async Task<ClientWebSocket> ConnectAsync(MockWebServer server, CancellationToken ct)
    {
        var url = new UriBuilder(server.Url("/ws")) { Scheme = "ws" }.Uri;
        var client = new ClientWebSocket();
        await client.ConnectAsync(url, ct);
        return client;
    }
}
