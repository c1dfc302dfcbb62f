using System.Net;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// Issue 12 item 5: an early policy (one that acts before the response is dispatched) must belong
/// to the response that the same request is then given, even when requests race for the queue.
/// Each test loops so the race between deciding on the policy and dispatching is exercised many
/// times; before the fix both requests took the early policy and the plain response was consumed
/// without ever being sent.
/// </summary>
public sealed class EarlyPolicyClaimTests
{
    private const int Iterations = 5;
    private const int Pairs = 50;

    [Fact]
    public async Task Http2_two_concurrent_streams_get_one_reset_and_one_response()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(new SocketsHttpHandler())
        {
            // Bounds the wait of a request whose response was consumed by another (the bug).
            Timeout = TimeSpan.FromSeconds(15),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        for (var i = 0; i < Iterations; i++)
        {
            for (var p = 0; p < Pairs; p++)
            {
                server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.Cancel) });
                server.Enqueue(new MockResponse("ok"));
            }

            var outcomes = await Task.WhenAll(Enumerable.Range(0, 2 * Pairs).Select(n => GetAsync(client, server.Url($"/{i}/{n}"))));

            Summarize(outcomes).ShouldBe($"failed x{Pairs}, ok x{Pairs}", $"iteration {i}");
            server.PendingResponseCount.ShouldBe(0);
            TakeAll(server, 2 * Pairs);
        }
    }

    [Fact]
    public async Task Http1_two_concurrent_connections_get_one_disconnect_and_one_response()
    {
        await using var server = new MockWebServer();
        for (var i = 0; i < Iterations; i++)
        {
            for (var p = 0; p < Pairs; p++)
            {
                server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
                server.Enqueue(new MockResponse("ok"));
            }

            var outcomes = await Task.WhenAll(Enumerable.Range(0, 2 * Pairs).Select(_ => RawGetAsync(server)));

            Summarize(outcomes).ShouldBe($"closed x{Pairs}, ok x{Pairs}", $"iteration {i}");
            server.PendingResponseCount.ShouldBe(0);
            TakeAll(server, 2 * Pairs);
        }
    }

    [Fact]
    public async Task A_QueueDispatcher_subclass_that_overrides_DispatchAsync_still_serves_its_responses()
    {
        var dispatcher = new CountingQueue();
        await using var server = new MockWebServer { Dispatcher = dispatcher };
        dispatcher.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
        dispatcher.Enqueue(new MockResponse("ok"));

        await using (var raw = await RawConnection.OpenAsync(server))
        {
            (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        }

        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("ok");
        dispatcher.Dispatched.ShouldBe(2);
    }

    private static string Summarize(IEnumerable<string> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}"));

    private static void TakeAll(MockWebServer server, int count)
    {
        for (var n = 0; n < count; n++)
        {
            server.TakeRequest().ShouldNotBeNull();
        }
    }

    private static async Task<string> GetAsync(HttpClient client, Uri url)
    {
        try
        {
            return await client.GetStringAsync(url);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e is TaskCanceledException ? "timed out" : "failed";
        }
    }

    private static async Task<string> RawGetAsync(MockWebServer server)
    {
        await using var raw = await RawConnection.OpenAsync(server);
        try
        {
            await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
        catch (IOException)
        {
            // The server may already have closed the socket: that is the disconnect outcome.
        }

        var received = await raw.ReadToEndAsync();
        return received.Length == 0 ? "closed" : received.EndsWith("ok", StringComparison.Ordinal) ? "ok" : received;
    }

    /// <summary>A user subclass that overrides only DispatchAsync: claims must not bypass it.</summary>
    private sealed class CountingQueue : QueueDispatcher
    {
        private int _dispatched;

        public int Dispatched => Volatile.Read(ref _dispatched);

        public override ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _dispatched);
            return base.DispatchAsync(request, cancellationToken);
        }
    }
}
