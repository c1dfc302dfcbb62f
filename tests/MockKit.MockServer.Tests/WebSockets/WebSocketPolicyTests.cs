using System.Net.WebSockets;
using MockKit.MockServer.Tests.Support;
using static MockKit.MockServer.Tests.WebSockets.WebSocketTestHandlers;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>Socket policies around a WebSocket: a response-body trigger counts WebSocket bytes after the 101 head.</summary>
public sealed class WebSocketPolicyTests
{
    private const string Handshake =
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    [Fact]
    public async Task DisconnectDuringResponseBody_cuts_the_socket_inside_a_frame()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(5),
            WebSocketHandler = (socket, ct) => SendTextAsync(socket, "hello world", ct),
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(Handshake);
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldStartWith("HTTP/1.1 101 ");

        // An unmasked text frame (0x81), length 11, then "hel": five bytes of thirteen, then the end.
        (await raw.ReadToEndAsync()).ShouldBe("\u0081\u000bhel");
    }

    [Fact]
    public async Task A_client_websocket_sees_the_half_sent_frame_as_a_premature_close()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            OnResponseBody = new SocketEffect.CloseSocket(),
            OnResponseBodyAfterBytes = 20,
            WebSocketHandler = async (socket, ct) =>
            {
                await SendTextAsync(socket, "first", ct); // 7 bytes on the wire.
                await SendTextAsync(socket, "second message", ct); // 16 more: cut after 13 of them.
            },
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);

        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("first");
        var failure = await Should.ThrowAsync<WebSocketException>(() => ReceiveMessageAsync(client, cts.Token));

        failure.WebSocketErrorCode.ShouldBe(WebSocketError.ConnectionClosedPrematurely);
        (await server.TakeRequestAsync(cts.Token)).Failure.ShouldBeNull(); // The upgrade itself went normally.
    }

    [Fact]
    public async Task Shutdown_closes_an_open_websocket_and_cancels_its_handler()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var server = new MockWebServer();
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Enqueue(new MockResponse
        {
            WebSocketHandler = async (socket, ct) =>
            {
                // Not ct.Register: the receive's own registration runs first (callbacks run newest
                // first) and can end this handler, disposing a later registration before it ran.
                handlerStarted.TrySetResult();
                try
                {
                    await socket.ReceiveAsync(new byte[16], ct);
                }
                finally
                {
                    if (ct.IsCancellationRequested)
                    {
                        handlerCancelled.TrySetResult();
                    }
                }
            },
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);
        await handlerStarted.Task.WaitAsync(cts.Token);

        await server.DisposeAsync();

        await handlerCancelled.Task.WaitAsync(cts.Token);
        await Should.ThrowAsync<WebSocketException>(() => client.ReceiveAsync(new byte[16], cts.Token));
    }
    [Fact]
    public async Task Shutdown_closes_an_open_http2_websocket_and_cancels_its_handler()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Enqueue(new MockResponse
        {
            WebSocketHandler = async (socket, ct) =>
            {
                // Not ct.Register: the receive's own registration runs first (callbacks run newest
                // first) and can end this handler, disposing a later registration before it ran.
                handlerStarted.TrySetResult();
                try
                {
                    await socket.ReceiveAsync(new byte[16], ct);
                }
                finally
                {
                    if (ct.IsCancellationRequested)
                    {
                        handlerCancelled.TrySetResult();
                    }
                }
            },
        });
        using var handler = new SocketsHttpHandler();
        using var client = new ClientWebSocket();
        client.Options.HttpVersion = System.Net.HttpVersion.Version20;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await client.ConnectAsync(WebSocketUrl(server, "/"), new HttpMessageInvoker(handler), cts.Token);
        await handlerStarted.Task.WaitAsync(cts.Token);

        var shutdown = server.DisposeAsync().AsTask();

        await handlerCancelled.Task.WaitAsync(cts.Token);
        await shutdown.WaitAsync(cts.Token); // Within the shutdown bound, with the WebSocket's stream still open.
        await Should.ThrowAsync<WebSocketException>(() => client.ReceiveAsync(new byte[16], cts.Token));
    }

    [Fact]
    public async Task A_handler_that_throws_aborts_the_websocket_and_records_its_failure()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            WebSocketHandler = async (socket, ct) =>
            {
                await socket.ReceiveAsync(new byte[16], ct);
                throw new InvalidOperationException("the handler broke");
            },
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);
        await client.SendAsync("go"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);

        await Should.ThrowAsync<WebSocketException>(() => client.ReceiveAsync(new byte[16], cts.Token));
        var request = await server.TakeRequestAsync(cts.Token);
        request.Method.ShouldBe("GET");
        await WaitForAsync(() => request.Failure is not null, cts.Token);
        request.Failure!.ToString().ShouldContain("the handler broke");
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
