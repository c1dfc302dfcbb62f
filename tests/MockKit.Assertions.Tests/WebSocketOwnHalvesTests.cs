using System.Net;
using System.Net.WebSockets;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary>
/// Both of MockKit's halves together: the runtime's <see cref="ClientWebSocket"/> through
/// <see cref="InstrumentedHandler"/> against <see cref="MockWebServer"/>'s WebSocketHandler, over the
/// HTTP/1.1 upgrade and over RFC 8441 extended CONNECT on h2c, as a team's test would write it —
/// with the pool's view and the recorder's assertions. (Each half is also tested against an
/// independent peer: Kestrel for the client, ClientWebSocket over SocketsHttpHandler and
/// python3-websockets for the server.)
/// </summary>
public sealed class WebSocketOwnHalvesTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("http1")]
    [InlineData("h2c")]
    public async Task Echo_close_pool_and_recording_line_up_on_both_ends(string transport)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var h2 = transport == "h2c";
        await using var server = new MockWebServer();
        if (h2)
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        var recorder = new WebSocketRecorder(echo: true);
        server.Enqueue(new MockResponse { Headers = { { "Sec-WebSocket-Protocol", "chat.v2" } }, WebSocketHandler = recorder.Handler });
        server.Enqueue(new MockResponse("plain"));
        var events = new RecordingEventListener();
        using var handler = new InstrumentedHandler { EventListener = events };
        if (h2)
        {
            handler.Protocols = [Protocol.H2PriorKnowledge];
        }

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chat.v2");
        if (h2)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        await socket.ConnectAsync(new Uri($"ws://{server.HostName}:{server.Port}/chat"), new HttpMessageInvoker(handler, disposeHandler: false), cts.Token);
        socket.SubProtocol.ShouldBe("chat.v2");

        // HTTP/1.1: the upgraded connection left the pool. HTTP/2: it is one active stream of a pooled
        // connection, which a plain request shares meanwhile.
        if (h2)
        {
            handler.Pool.Connections.ShouldHaveSingleItem().ActiveStreams.ShouldBe(1);
            using var client = new HttpClient(handler, disposeHandler: false) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            (await client.GetStringAsync(server.Url("/plain"), cts.Token)).ShouldBe("plain");
            handler.Pool.ConnectionCount.ShouldBe(1);
        }
        else
        {
            handler.Pool.ConnectionCount.ShouldBe(0);
        }

        await socket.SendAsync("first"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: false, cts.Token);
        await socket.SendAsync(" message"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, cts.Token);
        await socket.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, endOfMessage: true, cts.Token);
        var buffer = new byte[64];
        var text = await socket.ReceiveAsync(buffer, cts.Token);
        (text.MessageType, System.Text.Encoding.UTF8.GetString(buffer, 0, text.Count), text.EndOfMessage).ShouldBe((WebSocketMessageType.Text, "first message", true));
        var binary = await socket.ReceiveAsync(buffer, cts.Token);
        (binary.MessageType, binary.Count).ShouldBe((WebSocketMessageType.Binary, 4));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        socket.State.ShouldBe(WebSocketState.Closed);
        await recorder.Completion.WaitAsync(cts.Token);
        recorder.Messages.Select(m => m.Type).ShouldBe([WebSocketMessageType.Text, WebSocketMessageType.Binary]);
        recorder.Messages[0].Text.ShouldBe("first message");
        recorder.Messages[1].Payload.ShouldBe(new byte[] { 0, 1, 2, 255 });
        recorder.ShouldHaveClosedWith(WebSocketCloseStatus.NormalClosure, "bye");
        socket.Dispose();

        var recorded = server.TakeRequest();
        recorded.Method.ShouldBe(h2 ? "CONNECT" : "GET");
        recorded.Target.ShouldBe("/chat");
        recorded.Headers["Sec-WebSocket-Protocol"].ShouldBe("chat.v2");

        // The call ends with the WebSocket; the HTTP/2 stream is released and its connection stays pooled.
        await WaitUntilAsync(() => events.EventNames.Contains("CallEnd"), cts.Token);
        if (h2)
        {
            await WaitUntilAsync(() => handler.Pool.Connections.All(c => c.ActiveStreams == 0), cts.Token);
            handler.Pool.ConnectionCount.ShouldBe(1);
        }
        else
        {
            handler.Pool.ConnectionCount.ShouldBe(0);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
