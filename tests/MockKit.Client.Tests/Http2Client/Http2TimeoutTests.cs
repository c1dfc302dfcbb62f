using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Timeouts on one stream end that stream only.</summary>
public sealed class Http2TimeoutTests
{
    [Fact]
    public async Task A_read_timeout_fails_its_stream_and_the_connection_carries_on()
    {
        var time = new ObservableTimeProvider();
        var (server, _, unused) = await H2Harness.StartAsync(tls: false);
        await using var _s = server;
        unused.Dispose();
        using var timedHandler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], ReadTimeout = TimeSpan.FromSeconds(5), TimeProvider = time };
        using var timedClient = new HttpClient(timedHandler) { Timeout = Timeout.InfiniteTimeSpan };
        server.Enqueue(new MockResponse("warm-up"));
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        server.Enqueue(new MockResponse("on time"));

        // Warm up first so the connection and the pool's cleanup timer exist: the only timer the slow
        // call adds is its read timeout.
        (await timedClient.GetStringAsync(H2Harness.Url(server, "/warm-up"))).ShouldBe("warm-up");
        server.TakeRequest();
        var timersBefore = time.PendingTimerCount;
        var slow = timedClient.GetAsync(H2Harness.Url(server, "/slow"));
        server.TakeRequest().Path.ShouldBe("/slow");
        await time.WaitForTimerAsync(timersBefore + 1); // The read timeout is armed.
        time.Advance(TimeSpan.FromSeconds(6));

        var e = await Should.ThrowAsync<HttpRequestException>(() => slow.WaitAsync(TimeSpan.FromSeconds(10)));
        e.InnerException.ShouldBeOfType<TimeoutException>();
        using var response = await timedClient.GetAsync(H2Harness.Url(server, "/next"));
        (await response.Content.ReadAsStringAsync()).ShouldBe("on time");
        response.GetExchange().SequenceNumber.ShouldBe(2);
        timedHandler.Pool.ConnectionCount.ShouldBe(1);
    }
}
