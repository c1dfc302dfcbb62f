using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace MockKitXunit;

/// <summary>
/// Example 5: WebSockets. The server scripts the upgrade with a WebSocketHandler — here a
/// WebSocketRecorder that echoes and remembers what the client sent — and the runtime's
/// ClientWebSocket connects through InstrumentedHandler, over HTTP/1.1 or over HTTP/2 (RFC 8441).
/// </summary>
public sealed class WebSocketTests
{
#if (XunitV3)
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echoes_and_records_a_conversation(bool http2)
    {
        await using var server = new MockWebServer();
        using var handler = new InstrumentedHandler();
        if (http2)
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
            handler.Protocols = [Protocol.H2PriorKnowledge];
        }

        var recorder = new WebSocketRecorder(echo: true);
        server.Enqueue(new MockResponse { WebSocketHandler = recorder.Handler });

        using var socket = new ClientWebSocket();
        if (http2)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        await socket.ConnectAsync(new Uri($"ws://{server.HostName}:{server.Port}/chat"), new HttpMessageInvoker(handler, disposeHandler: false), Cancel);
        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, Cancel);
        var buffer = new byte[64];
        var echo = await socket.ReceiveAsync(buffer, Cancel);
        Encoding.UTF8.GetString(buffer, 0, echo.Count).ShouldBe("hello");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Cancel);

        await recorder.Completion.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        recorder.ShouldHaveReceivedMessages("hello").ShouldHaveClosedWith(WebSocketCloseStatus.NormalClosure, "done");
        server.TakeRequest().Method.ShouldBe(http2 ? "CONNECT" : "GET");
    }
}
