using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class PoolCleanupTests
{
    [Fact]
    public async Task CleanupOnce_is_a_pure_function_of_now()
    {
        var time = new ObservableTimeProvider();
        var pool = new ConnectionPool(keepAlive: TimeSpan.FromMinutes(5), timeProvider: time);
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Pool = pool });
        h.Server.Enqueue(new MockResponse("a"));
        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("a");
        var idleSince = time.GetUtcNow();

        pool.CleanupOnce(idleSince + TimeSpan.FromMinutes(1)).ShouldBe(TimeSpan.FromMinutes(4));
        pool.ConnectionCount.ShouldBe(1);
        pool.CleanupOnce(idleSince + TimeSpan.FromMinutes(5)).ShouldBe(Timeout.InfiniteTimeSpan);
        pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task Idle_connections_expire_after_keep_alive_on_the_time_provider()
    {
        var time = new ObservableTimeProvider();
        var pool = new ConnectionPool(keepAlive: TimeSpan.FromMinutes(5), timeProvider: time);
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Pool = pool, TimeProvider = time });
        h.Server.Enqueue(new MockResponse("a"));
        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("a");
        await time.WaitForTimerAsync();

        time.Advance(TimeSpan.FromMinutes(4));
        pool.ConnectionCount.ShouldBe(1);
        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.WaitUntilAsync(() => pool.ConnectionCount == 0, "the idle connection is evicted after keep-alive");
        await Eventually.WaitUntilAsync(() => time.PendingTimerCount == 0, "the cleanup loop stops once the pool is empty");
    }

    [Fact]
    public async Task Beyond_max_idle_the_longest_idle_connection_is_evicted()
    {
        var time = new ObservableTimeProvider();
        var pool = new ConnectionPool(maxIdleConnections: 1, timeProvider: time);
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Pool = pool, TimeProvider = time });
        h.Server.Enqueue(new MockResponse("a"));
        h.Server.Enqueue(new MockResponse("b"));
        var first = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        var second = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        pool.ConnectionCount.ShouldBe(2);

        (await first.Content.ReadAsStringAsync()).ShouldBe("a");
        time.Advance(TimeSpan.FromSeconds(1));
        (await second.Content.ReadAsStringAsync()).ShouldBe("b");

        var survivor = pool.Connections.ShouldHaveSingleItem();
        survivor.Id.ShouldBe(second.GetExchange().ConnectionId);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task A_leaked_response_is_detected_logged_and_its_connection_freed()
    {
        var log = new ConcurrentQueue<string>();
        var pool = new ConnectionPool { Log = log.Enqueue };
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Pool = pool });
        h.Server.Enqueue(new MockResponse("never read"));

        await LeakAResponseAsync(h.Client, h.Url("/leak"));

        await Eventually.WaitUntilAsync(
            () =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return !log.IsEmpty;
            },
            "the leaked response is finalized");
        log.ShouldHaveSingleItem().ShouldBe($"A connection to http://127.0.0.1:{h.Server.Port}/ was leaked. Did you forget to dispose the response?");
        pool.ConnectionCount.ShouldBe(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task LeakAResponseAsync(HttpClient client, Uri url)
    {
        var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }
}
