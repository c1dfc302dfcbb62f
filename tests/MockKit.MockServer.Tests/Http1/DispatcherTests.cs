using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

public sealed class DispatcherTests
{
    [Fact]
    public async Task Queue_serves_responses_in_order()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("one"));
        server.Enqueue(new MockResponse("two"));
        server.Enqueue(new MockResponse(404, "three"));
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/"))).ShouldBe("one");
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("two");
        var third = await client.GetAsync(server.Url("/"));
        ((int)third.StatusCode).ShouldBe(404);
        (await third.Content.ReadAsStringAsync()).ShouldBe("three");
        ((QueueDispatcher)server.Dispatcher).PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task An_empty_queue_waits_for_the_next_enqueue()
    {
        await using var server = new MockWebServer();
        using var client = new HttpClient();
        var call = client.GetStringAsync(server.Url("/late"));
        server.TakeRequest().Path.ShouldBe("/late");
        call.IsCompleted.ShouldBeFalse();

        server.Enqueue(new MockResponse("finally"));
        (await call.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("finally");
    }

    [Fact]
    public async Task FailFast_answers_an_empty_queue_at_once()
    {
        await using var server = new MockWebServer();
        var queue = (QueueDispatcher)server.Dispatcher;
        queue.FailFast = new MockResponse(503, "queue empty");
        server.Enqueue(new MockResponse("scripted"));
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/"))).ShouldBe("scripted");
        var unscripted = await client.GetAsync(server.Url("/"));
        ((int)unscripted.StatusCode).ShouldBe(503);
        (await unscripted.Content.ReadAsStringAsync()).ShouldBe("queue empty");
    }

    [Fact]
    public async Task Clear_drops_pending_responses()
    {
        var queue = new QueueDispatcher();
        queue.Enqueue(new MockResponse());
        queue.Enqueue(new MockResponse());
        queue.PendingCount.ShouldBe(2);
        queue.Clear();
        queue.PendingCount.ShouldBe(0);
        queue.Peek().ShouldBeNull();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Lambda_dispatcher_routes_by_request()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = Dispatcher.From(request => request.Path switch
            {
                "/users" => new MockResponse("[]"),
                _ => new MockResponse(404, $"no {request.Method} {request.Path}"),
            }),
        };
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/users"))).ShouldBe("[]");
        var missing = await client.DeleteAsync(server.Url("/other"));
        (await missing.Content.ReadAsStringAsync()).ShouldBe("no DELETE /other");
    }

    [Fact]
    public async Task Enqueue_with_a_custom_dispatcher_says_why_it_cannot()
    {
        await using var server = new MockWebServer { Dispatcher = Dispatcher.From(_ => new MockResponse()) };
        var e = Should.Throw<InvalidOperationException>(() => server.Enqueue(new MockResponse()));
        e.Message.ShouldContain("QueueDispatcher");
    }

    [Fact]
    public async Task A_dispatcher_may_call_the_same_server_while_its_request_waits()
    {
        await using var server = new MockWebServer();
        using var client = new HttpClient();
        server.Dispatcher = new ReentrantDispatcher(server, client);

        (await client.GetStringAsync(server.Url("/outer"))).ShouldBe("outer saw: inner");
        server.TakeRequest().Path.ShouldBe("/outer");
        server.TakeRequest().Path.ShouldBe("/inner");
    }

    [Fact]
    public async Task Fifty_parallel_connections_are_served_independently()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = Dispatcher.From(request => new MockResponse(request.Path!)),
        };
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 50 };
        using var client = new HttpClient(handler);

        // One connection stalls; it must not hold anyone else up.
        await using var stalled = await RawConnection.OpenAsync(server);
        await stalled.SendAsync("GET /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial");

        var calls = Enumerable.Range(0, 50).Select(i => client.GetStringAsync(server.Url($"/{i}"))).ToArray();
        var bodies = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(20));

        bodies.ShouldBe(Enumerable.Range(0, 50).Select(i => $"/{i}").ToArray());
        var recorded = Enumerable.Range(0, 50).Select(_ => server.TakeRequest()).ToList();
        recorded.Select(r => r.ConnectionIndex).Distinct().Count().ShouldBeGreaterThan(1);
    }

    private sealed class ReentrantDispatcher(MockWebServer server, HttpClient client) : Dispatcher
    {
        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            if (request.Path == "/inner")
            {
                return new MockResponse("inner");
            }

            var inner = await client.GetStringAsync(server.Url("/inner"), cancellationToken);
            return new MockResponse($"outer saw: {inner}");
        }
    }
}
