using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Starts_on_an_ephemeral_loopback_port_usable_at_once()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("hello"));
        server.Start();

        server.HostName.ShouldBe("127.0.0.1");
        server.Port.ShouldBeGreaterThan(0);
        server.Url("/a").ShouldBe(new Uri($"http://127.0.0.1:{server.Port}/a"));
        server.Url("b").AbsolutePath.ShouldBe("/b");

        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/a"))).ShouldBe("hello");
    }

    [Fact]
    public async Task Binds_the_given_port()
    {
        // Held while the server binds the same port beside it, so no other process can take it first.
        using var reserved = new PortReservation();

        await using var server = new MockWebServer();
        await server.StartAsync(reserved.Port);
        server.Port.ShouldBe(reserved.Port);
    }

    [Fact]
    public async Task Starts_once()
    {
        await using var server = new MockWebServer();
        server.Start();
        Should.Throw<InvalidOperationException>(() => server.Start());
        await server.ShutdownAsync();
        Should.Throw<InvalidOperationException>(() => server.Start());
    }

    [Fact]
    public async Task Url_starts_the_server_and_freezes_connection_settings()
    {
        await using var server = new MockWebServer();
        _ = server.Url("/");
        server.IsRunning.ShouldBeTrue();
        Should.Throw<InvalidOperationException>(() => server.Protocols = [Protocol.Http11]);
        Should.Throw<InvalidOperationException>(() => server.UseHttps(Tls.HandshakeCertificates.Localhost()));
    }

    [Fact]
    public async Task Shutdown_closes_the_listener_and_every_connection_even_stalled_ones()
    {
        var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.StallSocketAtStart });
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        server.Start();
        await using var stalled = await RawConnection.OpenAsync(server);
        server.TakeRequest().Failure.ShouldBeOfType<SocketPolicyException>();
        await using var noResponse = await RawConnection.OpenAsync(server);
        await noResponse.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        server.TakeRequest().Method.ShouldBe("GET");

        await server.ShutdownAsync();

        (await stalled.IsClosedByPeerAsync()).ShouldBeTrue();
        (await noResponse.IsClosedByPeerAsync()).ShouldBeTrue();
        // The listening socket itself: a connect to the old port would race any process that binds
        // it again (Linux readily hands a just-freed port to the next bind to port 0).
        server.IsListenerClosed.ShouldBeTrue();
        server.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task Shutdown_releases_a_dispatch_waiting_on_an_empty_queue()
    {
        var server = new MockWebServer();
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        server.TakeRequest();

        await server.ShutdownAsync();
        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task Dispose_without_awaiting_closes_connections()
    {
        var server = new MockWebServer();
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        server.TakeRequest();
        server.Dispose();
        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task TakeRequest_without_a_request_times_out_saying_how_many_arrived()
    {
        await using var server = new MockWebServer { TakeRequestTimeout = TimeSpan.FromMilliseconds(50) };
        server.Enqueue(new MockResponse());
        using var client = new HttpClient();
        (await client.GetAsync(server.Url("/"))).EnsureSuccessStatusCode();
        server.TakeRequest();

        var e = Should.Throw<TimeoutException>(() => server.TakeRequest());
        e.Message.ShouldBe("No request arrived within 0.05 s. The server received 1 request(s) in all, and all of them were already taken.");
        server.TakeRequest(TimeSpan.FromMilliseconds(10)).ShouldBeNull();
    }

    [Fact]
    public async Task TakeRequestAsync_waits_for_the_request_and_is_released_by_shutdown()
    {
        var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        var pending = server.TakeRequestAsync().AsTask();
        pending.IsCompleted.ShouldBeFalse();
        using var client = new HttpClient();
        await client.GetAsync(server.Url("/x"));
        (await pending.WaitAsync(TimeSpan.FromSeconds(10))).Path.ShouldBe("/x");

        var released = server.TakeRequestAsync().AsTask();
        await server.ShutdownAsync();
        var e = await Should.ThrowAsync<InvalidOperationException>(() => released.WaitAsync(TimeSpan.FromSeconds(10)));
        e.Message.ShouldContain("shut down");
    }

    [Fact]
    public async Task Traffic_log_shows_what_the_server_saw_and_did()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = new MockWebServer { TrafficLog = lines.Enqueue };
        server.Enqueue(new MockResponse(201, "made"));
        using var client = new HttpClient();
        await client.PostAsync(server.Url("/things"), new StringContent("x"));
        server.TakeRequest();

        lines.ShouldContain(l => l.Contains("POST /things HTTP/1.1", StringComparison.Ordinal));

        // The server logs what it sent after sending it, so the client can be first to know.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!lines.Any(l => l.Contains("-> 201 Created (4 body bytes)", StringComparison.Ordinal)))
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    [Fact]
    public async Task A_throwing_traffic_log_does_not_break_the_server()
    {
        await using var server = new MockWebServer { TrafficLog = _ => throw new InvalidOperationException("sink gone") };
        server.Enqueue(new MockResponse("ok"));
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("ok");
    }
}
