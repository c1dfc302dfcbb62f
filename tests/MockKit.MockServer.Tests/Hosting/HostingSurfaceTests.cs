using System.Net;
using System.Text;

namespace MockKit.MockServer.Tests.Hosting;

/// <summary>
/// The small public members a program hosting a <see cref="MockWebServer"/> builds on (the
/// <c>mockkit</c> tool is one): <see cref="RouteDispatcher.MapReplay"/>,
/// <see cref="RouteDispatcher.UnmatchedQueue"/> and <see cref="MockWebServer.ShutdownToken"/>.
/// </summary>
public sealed class HostingSurfaceTests
{
    private const string Recordings = """
        {
          "format": "mockkit-recordings/1",
          "exchanges": [
            { "request": { "method": "GET", "target": "/forecast" }, "response": { "status": 200, "body": "sunny" } },
            { "request": { "method": "GET", "target": "/forecast" }, "response": { "status": 200, "body": "rain" } }
          ]
        }
        """;

    [Fact]
    public async Task MapReplay_adds_the_recorded_exchanges_after_the_rules_there_are_and_counts_them()
    {
        var routes = new RouteDispatcher();
        routes.Map("GET", "/health").Respond(new MockResponse("ok"));
        using (var recordings = new MemoryStream(Encoding.UTF8.GetBytes(Recordings)))
        {
            routes.MapReplay(recordings, "inline.json").ShouldBe(2);
        }

        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        (await client.GetStringAsync(server.Url("/health"))).ShouldBe("ok");
        (await client.GetStringAsync(server.Url("/forecast"))).ShouldBe("sunny");
        (await client.GetStringAsync(server.Url("/forecast"))).ShouldBe("rain");
        (await client.GetAsync(server.Url("/forecast"))).StatusCode.ShouldBe(HttpStatusCode.NotFound); // Each exchange serves once.
    }

    [Fact]
    public async Task MapReplay_of_a_malformed_file_adds_nothing_and_names_the_source()
    {
        var routes = new RouteDispatcher();
        var broken = Recordings.Replace("\"status\": 200, \"body\": \"rain\"", "\"status\": \"200\"", StringComparison.Ordinal);
        broken.ShouldNotBe(Recordings);
        using (var recordings = new MemoryStream(Encoding.UTF8.GetBytes(broken)))
        {
            Should.Throw<FormatException>(() => routes.MapReplay(recordings, "broken.json")).Message.ShouldStartWith("broken.json");
        }

        // The first exchange was valid, yet not added: the whole file is checked first.
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        (await client.GetAsync(server.Url("/forecast"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UnmatchedQueue_answers_what_no_rule_matches_before_the_fallback()
    {
        var queue = new QueueDispatcher();
        var routes = new RouteDispatcher { UnmatchedQueue = queue };
        routes.Map("GET", "/steady").Respond(new MockResponse("steady"));
        queue.Enqueue(new MockResponse(503));
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        (await client.GetStringAsync(server.Url("/steady"))).ShouldBe("steady"); // Rules first: the queue keeps its response.
        queue.PendingCount.ShouldBe(1);
        (await client.GetAsync(server.Url("/other"))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await client.GetAsync(server.Url("/other"))).StatusCode.ShouldBe(HttpStatusCode.NotFound); // Empty: no wait, the near-miss 404.
        routes.UnmatchedCount.ShouldBe(1);
    }

    [Fact]
    public async Task ShutdownToken_is_cancelled_when_a_policy_shuts_the_server_down()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("last") { SocketPolicy = SocketPolicy.ShutdownServerAfterResponse });
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        server.ShutdownToken.IsCancellationRequested.ShouldBeFalse();

        (await client.GetStringAsync(server.Url("/"))).ShouldBe("last");

        // Wait on the token itself, as a hosting program does; the deadline only bounds a failure.
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = server.ShutdownToken.Register(() => stopping.TrySetResult());
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(10));
        server.IsRunning.ShouldBeFalse();
    }
}
