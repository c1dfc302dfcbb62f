using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class ConnectionReuseTests
{
    [Fact]
    public async Task Second_request_reuses_the_connection_with_sequence_number_1_on_both_sides()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("a"));
        h.Server.Enqueue(new MockResponse("b"));

        using (var first = await h.Client.GetAsync(h.Url("/a"), HttpCompletionOption.ResponseHeadersRead))
        {
            h.Pool.ConnectionCount.ShouldBe(1);
            h.Pool.IdleConnectionCount.ShouldBe(0, "the body is unread, so the connection is still in use");
            (await first.Content.ReadAsStringAsync()).ShouldBe("a");
            h.Pool.IdleConnectionCount.ShouldBe(1, "reading the body to the end frees the connection");
            first.GetExchange().SequenceNumber.ShouldBe(0);
            first.GetExchange().ConnectionReused.ShouldBeFalse();
            first.Version.ShouldBe(new Version(1, 1));
        }

        using var second = await h.Client.GetAsync(h.Url("/b"));
        (await second.Content.ReadAsStringAsync()).ShouldBe("b");
        var exchange = second.GetExchange();
        exchange.SequenceNumber.ShouldBe(1);
        exchange.ConnectionReused.ShouldBeTrue();
        h.Server.TakeRequest().SequenceNumber.ShouldBe(0);
        var recorded = h.Server.TakeRequest();
        recorded.SequenceNumber.ShouldBe(1);
        recorded.ConnectionIndex.ShouldBe(0);
        h.Pool.ConnectionCount.ShouldBe(1);
        h.Pool.IdleConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Disposing_an_unread_small_body_keeps_the_connection_reusable()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse(new string('x', 20_000)));
        h.Server.Enqueue(new MockResponse("next"));

        var response = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        h.Pool.IdleConnectionCount.ShouldBe(0);
        response.Dispose();
        await Eventually.WaitUntilAsync(() => h.Pool.IdleConnectionCount == 1, "the discarded body frees the connection");

        using var next = await h.Client.GetAsync(h.Url("/next"));
        next.GetExchange().ConnectionReused.ShouldBeTrue();
        next.GetExchange().SequenceNumber.ShouldBe(1);
    }

    [Fact]
    public async Task Connection_close_prevents_reuse()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("a") { Headers = { { "Connection", "close" } } });
        h.Server.Enqueue(new MockResponse("b"));

        (await h.Client.GetStringAsync(h.Url("/a"))).ShouldBe("a");
        h.Pool.ConnectionCount.ShouldBe(0, "a connection marked no-new-exchanges closes when its exchange ends");
        using var second = await h.Client.GetAsync(h.Url("/b"));
        second.GetExchange().ConnectionReused.ShouldBeFalse();
        second.GetExchange().SequenceNumber.ShouldBe(0);
        h.Server.TakeRequest().ConnectionIndex.ShouldBe(0);
        h.Server.TakeRequest().ConnectionIndex.ShouldBe(1);
    }

    [Fact]
    public async Task EvictAll_closes_idle_connections_and_leaves_busy_ones()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("idle"));
        h.Server.Enqueue(new MockResponse("busy"));

        (await h.Client.GetStringAsync(h.Url("/idle"))).ShouldBe("idle");
        using var busy = await h.Client.GetAsync(h.Url("/busy"), HttpCompletionOption.ResponseHeadersRead);
        busy.GetExchange().ConnectionReused.ShouldBeTrue();
        h.Server.Enqueue(new MockResponse("other"));
        using (var other = await h.Client.GetAsync(h.Url("/other")))
        {
            other.GetExchange().ConnectionReused.ShouldBeFalse("the only connection is busy");
        }

        h.Pool.ConnectionCount.ShouldBe(2);
        h.Pool.EvictAll();
        h.Pool.ConnectionCount.ShouldBe(1);
        h.Pool.IdleConnectionCount.ShouldBe(0);
        (await busy.Content.ReadAsStringAsync()).ShouldBe("busy");
        h.Pool.IdleConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Snapshot_describes_each_connection()
    {
        var time = new ObservableTimeProvider();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { TimeProvider = time });
        h.Server.Enqueue(new MockResponse("a"));
        h.Server.Enqueue(new MockResponse("b"));

        (await h.Client.GetStringAsync(h.Url("/a"))).ShouldBe("a");
        using var busy = await h.Client.GetAsync(h.Url("/b"), HttpCompletionOption.ResponseHeadersRead);
        var active = h.Pool.Connections.ShouldHaveSingleItem();
        active.ActiveStreams.ShouldBe(1);
        active.CompletedExchanges.ShouldBe(1);
        active.IdleSince.ShouldBeNull();
        active.Protocol.ShouldBe(Protocol.Http11);
        active.Handshake.ShouldBeNull();
        active.Route.Scheme.ShouldBe("http");
        active.Route.Host.ShouldBe("127.0.0.1");
        active.Route.Port.ShouldBe(h.Server.Port);
        active.Route.Proxy.ShouldBeNull();
        active.Route.SocketAddress.Port.ShouldBe(h.Server.Port);
        active.Id.ShouldBe(busy.GetExchange().ConnectionId);

        (await busy.Content.ReadAsStringAsync()).ShouldBe("b");
        var idle = h.Pool.Connections.ShouldHaveSingleItem();
        idle.ActiveStreams.ShouldBe(0);
        idle.CompletedExchanges.ShouldBe(2);
        idle.NoNewExchanges.ShouldBeFalse();
        idle.IdleSince.ShouldBe(time.GetUtcNow());
    }

    [Fact]
    public async Task A_shared_pool_serves_two_handlers()
    {
        var pool = new ConnectionPool();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Pool = pool });
        using var other = new HttpClient(new InstrumentedHandler { Pool = pool });
        h.Server.Enqueue(new MockResponse("a"));
        h.Server.Enqueue(new MockResponse("b"));

        (await h.Client.GetStringAsync(h.Url("/a"))).ShouldBe("a");
        using var second = await other.GetAsync(h.Url("/b"));
        second.GetExchange().ConnectionReused.ShouldBeTrue();
        pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Settings_freeze_at_the_first_send()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("a"));
        h.Handler.ReadTimeout = TimeSpan.FromSeconds(3);

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("a");
        Should.Throw<InvalidOperationException>(() => h.Handler.ReadTimeout = TimeSpan.FromSeconds(4));
        Should.Throw<InvalidOperationException>(() => h.Handler.FollowRedirects = false);
        h.Pool.EvictAll();
        h.Pool.ConnectionCount.ShouldBe(0);
    }
}
