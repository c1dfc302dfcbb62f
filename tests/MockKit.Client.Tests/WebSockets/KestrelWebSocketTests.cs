using System.Net.WebSockets;
using System.Text;
using MockKit.Client.Tests.Support;
using static MockKit.Client.Tests.WebSockets.WebSocketTransport;

namespace MockKit.Client.Tests.WebSockets;

/// <summary>
/// The runtime's <see cref="ClientWebSocket"/> through <see cref="InstrumentedHandler"/> against
/// Kestrel's WebSockets: over HTTP/1.1 (101 upgrade; the connection leaves the pool) and over
/// HTTP/2 (RFC 8441 extended CONNECT, cleartext and TLS; one active stream of a pooled connection).
/// </summary>
public sealed class KestrelWebSocketTests(KestrelWebSocketFixture kestrel) : IClassFixture<KestrelWebSocketFixture>
{
    public static TheoryData<string> Transports => ["http1", "h2c", "h2"];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Text_and_binary_messages_echo(string transport)
    {
        using var handler = Handler(transport);
        using var socket = await ConnectAsync(kestrel, transport, handler, "/echo");

        await SendTextAsync(socket, "hello over " + transport);
        var text = await ReceiveMessageAsync(socket);
        text.Type.ShouldBe(WebSocketMessageType.Text);
        Encoding.UTF8.GetString(text.Data).ShouldBe("hello over " + transport);

        // Larger than one HTTP/2 frame and than the default stream window share, so credit flows both ways.
        var payload = new byte[200 * 1024];
        Random.Shared.NextBytes(payload);
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, deadline.Token);
        }

        var binary = await ReceiveMessageAsync(socket);
        binary.Type.ShouldBe(WebSocketMessageType.Binary);
        binary.Data.ShouldBe(payload);
        socket.State.ShouldBe(WebSocketState.Open);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Fragmented_messages_arrive_whole_both_ways(string transport)
    {
        using var handler = Handler(transport);
        using (var fragments = await ConnectAsync(kestrel, transport, handler, "/fragments"))
        {
            var received = await ReceiveMessageAsync(fragments);
            Encoding.UTF8.GetString(received.Data).ShouldBe("one two three");
            received.Frames.ShouldBeGreaterThanOrEqualTo(3); // Each frame of the message came on its own.
        }

        using var echo = await ConnectAsync(kestrel, transport, handler, "/echo");
        await SendTextAsync(echo, "client ", endOfMessage: false);
        await SendTextAsync(echo, "side ", endOfMessage: false);
        await SendTextAsync(echo, "fragments");
        var echoed = await ReceiveMessageAsync(echo);
        Encoding.UTF8.GetString(echoed.Data).ShouldBe("client side fragments");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_client_closes_with_a_handshake(string transport)
    {
        using var handler = Handler(transport);
        using var socket = await ConnectAsync(kestrel, transport, handler, "/echo");
        using var deadline = new CancellationTokenSource(Deadline);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "client done", deadline.Token);

        socket.State.ShouldBe(WebSocketState.Closed);
        socket.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
        socket.CloseStatusDescription.ShouldBe("client done"); // The server echoed our close frame.
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_server_closes_with_a_handshake(string transport)
    {
        using var handler = Handler(transport);
        using var socket = await ConnectAsync(kestrel, transport, handler, "/bye");

        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("bye");
        var close = await ReceiveMessageAsync(socket);
        close.Type.ShouldBe(WebSocketMessageType.Close);
        close.Last.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
        close.Last.CloseStatusDescription.ShouldBe("server done");
        socket.State.ShouldBe(WebSocketState.CloseReceived);

        using var deadline = new CancellationTokenSource(Deadline);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token);
        socket.State.ShouldBe(WebSocketState.Closed);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_subprotocol_is_negotiated(string transport)
    {
        using var handler = Handler(transport);
        using var socket = await ConnectAsync(kestrel, transport, handler, "/echo", o =>
        {
            o.AddSubProtocol("chat.v1");
            o.AddSubProtocol("chat.v2");
        });

        socket.SubProtocol.ShouldBe("chat.v2");
        lock (kestrel.AcceptedSubProtocols)
        {
            kestrel.AcceptedSubProtocols.ShouldContain("chat.v2");
        }

        await SendTextAsync(socket, "negotiated");
        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("negotiated");
    }

    [Fact]
    public async Task An_http1_upgrade_takes_the_connection_out_of_the_pool_for_good()
    {
        using var handler = Handler("http1");
        using var client = new HttpClient(handler, disposeHandler: false);
        using (var hello = await client.SendAsync(PlainGet(kestrel, "http1", "/hello")))
        {
            (await hello.Content.ReadAsStringAsync()).ShouldBe("hello HTTP/1.1");
        }

        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.IdleConnectionCount.ShouldBe(1);
        var pooledId = handler.Pool.Connections[0].Id;

        var socket = await ConnectAsync(kestrel, "http1", handler, "/echo");

        // The upgrade rode on the idle connection, which then left the pool's counts.
        handler.Pool.ConnectionCount.ShouldBe(0);
        handler.Pool.IdleConnectionCount.ShouldBe(0);
        handler.Pool.UpgradedConnectionCount.ShouldBe(1);

        // A plain request meanwhile needs (and gets) a connection of its own.
        using (var hello = await client.SendAsync(PlainGet(kestrel, "http1", "/hello")))
        {
            hello.GetExchange().ConnectionId.ShouldNotBe(pooledId);
            hello.GetExchange().ConnectionReused.ShouldBeFalse();
            await hello.Content.ReadAsStringAsync();
        }

        handler.Pool.ConnectionCount.ShouldBe(1);
        await SendTextAsync(socket, "still mine");
        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("still mine");

        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token);
        }

        socket.Dispose();
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
        handler.Pool.ConnectionCount.ShouldBe(1); // Only the plain request's connection; the upgraded one is closed, never returned.
        handler.Pool.Connections.ShouldAllBe(c => c.Id != pooledId);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("h2")]
    public async Task An_http2_websocket_is_one_active_stream_of_its_pooled_connection(string transport)
    {
        using var handler = Handler(transport);
        using var client = new HttpClient(handler, disposeHandler: false);
        using (var hello = await client.SendAsync(PlainGet(kestrel, transport, "/hello")))
        {
            (await hello.Content.ReadAsStringAsync()).ShouldBe("hello HTTP/2");
        }

        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.Connections[0].ActiveStreams.ShouldBe(0);

        var socket = await ConnectAsync(kestrel, transport, handler, "/echo");

        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.MultiplexedConnectionCount.ShouldBe(1);
        handler.Pool.Connections[0].ActiveStreams.ShouldBe(1);

        // Other exchanges share the connection beside the WebSocket.
        using (var hello = await client.SendAsync(PlainGet(kestrel, transport, "/hello")))
        {
            hello.GetExchange().ConnectionReused.ShouldBeTrue();
            hello.GetExchange().SequenceNumber.ShouldBe(2); // GET, CONNECT, GET.
            await hello.Content.ReadAsStringAsync();
        }

        await SendTextAsync(socket, "beside");
        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("beside");
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token);
        }

        socket.Dispose();
        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.Connections[0].ActiveStreams.ShouldBe(0);
        handler.Pool.IdleConnectionCount.ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task EvictAll_does_not_cut_a_live_websocket(string transport)
    {
        using var handler = Handler(transport);
        using var socket = await ConnectAsync(kestrel, transport, handler, "/echo");

        handler.Pool.EvictAll();
        handler.Pool.CleanupOnce(DateTimeOffset.UtcNow + TimeSpan.FromDays(1)); // Keep-alive long expired: still not idle.

        await SendTextAsync(socket, "after eviction");
        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("after eviction");
        socket.State.ShouldBe(WebSocketState.Open);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Disposing_the_handler_aborts_a_live_websocket(string transport)
    {
        var handler = Handler(transport);
        var socket = await ConnectAsync(kestrel, transport, handler, "/echo");
        using var deadline = new CancellationTokenSource(Deadline);
        var receive = socket.ReceiveAsync(new byte[16], deadline.Token);

        handler.Dispose();

        var failure = await Catch.ExceptionAsync<WebSocketException>(receive);
        failure.WebSocketErrorCode.ShouldBe(WebSocketError.ConnectionClosedPrematurely);
        socket.State.ShouldBe(WebSocketState.Aborted);

        // The aborted WebSocket still holds its exchange (busy connections leave the pool as their exchanges end).
        socket.Dispose();
        handler.Pool.ConnectionCount.ShouldBe(0);
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_call_ends_when_the_websocket_is_closed(string transport)
    {
        var events = new RecordingEventListener();
        using var handler = Handler(transport, events);
        var socket = await ConnectAsync(kestrel, transport, handler, "/echo");
        await SendTextAsync(socket, "ping");
        await ReceiveMessageAsync(socket);

        events.EventNames.ShouldContain("ResponseHeadersEnd");
        events.EventNames.ShouldNotContain("CallEnd"); // The WebSocket is still the call's response.

        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token);
        }

        socket.Dispose();
        await Eventually.WaitUntilAsync(() => events.EventNames.Contains("CallEnd"), "the call ended");
        var names = events.EventNames.ToList();
        names.IndexOf("ConnectionReleased").ShouldBeLessThan(names.IndexOf("CallEnd"));
        names.IndexOf("ResponseBodyEnd").ShouldBeLessThan(names.IndexOf("ConnectionReleased"));
        names.ShouldNotContain("CallFailed");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_idle_websocket_outlives_the_read_timeout_call_timeout_and_keep_alive(string transport)
    {
        var time = new MockKit.Testing.ObservableTimeProvider();
        using var timed = Handler(transport, time: time);
        timed.ReadTimeout = TimeSpan.FromSeconds(5);
        timed.ConnectTimeout = Timeout.InfiniteTimeSpan;
        timed.CallTimeout = TimeSpan.FromSeconds(5); // Bounds the handshake, not the open WebSocket.
        using var socket = await ConnectAsync(kestrel, transport, timed, "/echo");
        await SendTextAsync(socket, "warm");
        await ReceiveMessageAsync(socket);

        // A receive is now waiting on the transport. An hour passes on the handler's clock: a read
        // timeout armed on it, the call timeout or the pool's idle cleanup would end the WebSocket.
        var receive = ReceiveMessageAsync(socket);
        time.Advance(TimeSpan.FromHours(1));
        await SendTextAsync(socket, "still here");

        Encoding.UTF8.GetString((await receive).Data).ShouldBe("still here");
        socket.State.ShouldBe(WebSocketState.Open);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_call_ends_when_the_websocket_is_aborted(string transport)
    {
        var events = new RecordingEventListener();
        using var handler = Handler(transport, events);
        using var socket = await ConnectAsync(kestrel, transport, handler, "/echo");
        events.EventNames.ShouldNotContain("CallEnd");

        socket.Abort();

        await Eventually.WaitUntilAsync(() => events.EventNames.Contains("CallEnd"), "the call ended");
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
        handler.Pool.ConnectionCount.ShouldBe(transport == "http1" ? 0 : 1); // HTTP/2: the connection stays pooled.
        handler.Pool.Connections.ShouldAllBe(c => c.ActiveStreams == 0);
    }
}
