using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class RetryTests
{
    [Fact]
    public async Task A_pooled_connection_closed_after_reading_the_request_is_retried_on_a_fresh_connection()
    {
        await using var h = await ClientHarness.StartAsync(ClientHarness.HandlerWithRoutes(2));
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        h.Server.Enqueue(new MockResponse("retried"));

        (await h.Client.GetStringAsync(h.LocalhostUrl("/1"))).ShouldBe("first");
        using var response = await h.Client.GetAsync(h.LocalhostUrl("/2"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("retried");
        response.GetExchange().ConnectionReused.ShouldBeFalse();
        response.GetExchange().SequenceNumber.ShouldBe(0);
        var recorded = new[] { h.Server.TakeRequest(), h.Server.TakeRequest(), h.Server.TakeRequest() };
        recorded.Select(r => (r.ConnectionIndex, r.SequenceNumber)).ShouldBe([(0, 0), (0, 1), (1, 0)]);
    }

    [Fact]
    public async Task Without_retry_the_failure_on_the_pooled_connection_surfaces()
    {
        var handler = ClientHarness.HandlerWithRoutes(2);
        handler.RetryOnConnectionFailure = false;
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });

        (await h.Client.GetStringAsync(h.LocalhostUrl("/1"))).ShouldBe("first");
        var failure = await Should.ThrowAsync<HttpRequestException>(() => h.Client.GetAsync(h.LocalhostUrl("/2")));

        failure.Message.ShouldContain($"127.0.0.1:{h.Server.Port}");
        failure.Message.ShouldContain("without sending a response");
        failure.HttpRequestError.ShouldBe(HttpRequestError.ResponseEnded); // As SocketsHttpHandler reports the end of the stream.
        failure.GetType().ShouldBe(typeof(HttpRequestException));
        h.Pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task A_kept_alive_connection_closed_at_the_next_request_start_is_retried()
    {
        await using var h = await ClientHarness.StartAsync(ClientHarness.HandlerWithRoutes(2));
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
        h.Server.Enqueue(new MockResponse("retried"));

        (await h.Client.GetStringAsync(h.LocalhostUrl("/1"))).ShouldBe("first");
        (await h.Client.GetStringAsync(h.LocalhostUrl("/2"))).ShouldBe("retried");
    }

    [Fact]
    public async Task A_fresh_connection_dropped_at_start_moves_on_to_the_next_route()
    {
        var listener = new RecordingEventListener();
        var handler = ClientHarness.HandlerWithRoutes(2);
        handler.EventListener = listener;
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
        h.Server.Enqueue(new MockResponse("second route"));

        (await h.Client.GetStringAsync(h.LocalhostUrl("/"))).ShouldBe("second route");
        listener.EventNames.Count(n => n == "ConnectStart").ShouldBe(2);
        listener.EventNames.Count(n => n == "ConnectionAcquired").ShouldBe(2);
    }

    [Fact]
    public async Task A_failed_connect_moves_on_to_the_next_route_and_is_tried_last_next_time()
    {
        await using var h = await ClientHarness.StartAsync();
        var dead = System.Net.IPAddress.Parse("127.0.0.2");
        // 127.0.0.2 is loopback too on Linux but nothing listens on it (the server binds 127.0.0.1).
        var dns = new StaticDns(dead, System.Net.IPAddress.Loopback);
        var listener = new RecordingEventListener();
        var handler = new InstrumentedHandler { Dns = dns, EventListener = listener };
        using var client = new HttpClient(handler);
        h.Server.Enqueue(new MockResponse("ok"));
        h.Server.Enqueue(new MockResponse("ok again"));

        (await client.GetStringAsync(h.LocalhostUrl("/"))).ShouldBe("ok");
        listener.Events.Where(e => e.Name == "ConnectFailed").ShouldHaveSingleItem().Detail!.ShouldContain("127.0.0.2");
        listener.Clear();
        handler.Pool.EvictAll();

        (await client.GetStringAsync(h.LocalhostUrl("/"))).ShouldBe("ok again");
        listener.EventNames.ShouldNotContain("ConnectFailed", "the failed route is tried last now");
        listener.Events.Single(e => e.Name == "ConnectStart").Detail!.ShouldContain("127.0.0.1:");
    }

    [Fact]
    public async Task A_non_replayable_body_is_not_retried()
    {
        await using var h = await ClientHarness.StartAsync(ClientHarness.HandlerWithRoutes(2));
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });

        (await h.Client.GetStringAsync(h.LocalhostUrl("/1"))).ShouldBe("first");
        using var body = new StreamContent(new MemoryStream("streamed"u8.ToArray()));
        await Should.ThrowAsync<HttpRequestException>(() => h.Client.PostAsync(h.LocalhostUrl("/2"), body));
    }

    [Fact]
    public async Task A_post_skips_a_pooled_connection_the_server_closed_without_needing_a_retry()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Handler.RetryOnConnectionFailure = false;
        h.Server.Enqueue(new MockResponse("then closed") { SocketPolicy = SocketPolicy.DisconnectAtEnd });
        h.Server.Enqueue(new MockResponse("posted"));

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("then closed");
        var stale = h.Pool.OpenConnections.ShouldHaveSingleItem();
        await WaitUntilUnhealthyAsync(stale);
        (await stale.IsHealthyAsync(doExtensiveChecks: false)).ShouldBeTrue("the cheap check looks only at our own state");

        using var body = new StreamContent(new NonSeekableStream("once"u8.ToArray()));
        using var response = await h.Client.PostAsync(h.Url("/post"), body);

        (await response.Content.ReadAsStringAsync()).ShouldBe("posted");
        response.GetExchange().ConnectionReused.ShouldBeFalse();
        h.Pool.OpenConnections.ShouldNotContain(stale);
    }

    [Fact]
    public async Task A_get_on_a_pooled_connection_the_server_closed_is_retried()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("then closed") { SocketPolicy = SocketPolicy.DisconnectAtEnd });
        h.Server.Enqueue(new MockResponse("fresh"));

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("then closed");
        await WaitUntilUnhealthyAsync(h.Pool.OpenConnections.ShouldHaveSingleItem());

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("fresh");
        h.Pool.ConnectionCount.ShouldBe(1);
    }

    private static async Task WaitUntilUnhealthyAsync(MockKit.Client.Connections.PooledConnection connection)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await connection.IsHealthyAsync(doExtensiveChecks: true))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The server's close never reached the client socket.");
            }

            await Task.Delay(5);
        }
    }
}
