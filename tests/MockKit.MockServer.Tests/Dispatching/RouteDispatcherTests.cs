using System.Collections.Concurrent;
using System.Net;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>Issue 14: RouteDispatcher matching, templates, limits, the near-miss report and concurrency.</summary>
public sealed class RouteDispatcherTests
{
    [Fact]
    public async Task The_first_matching_rule_wins_in_the_order_added()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = new RouteDispatcher()
                .Map("GET", "/users/me").Respond(new MockResponse("me"))
                .Map("GET", "/users/{id}").Respond((_, values) => new MockResponse("user " + values["id"]))
                .Map("*", "/users/{id}").Respond(new MockResponse("any method"))
                .Map(r => r.Headers["X-Catch"] == "all", "X-Catch header is all").Respond(new MockResponse("predicate")),
        };
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/users/me"))).ShouldBe("me");
        (await client.GetStringAsync(server.Url("/users/42"))).ShouldBe("user 42");
        (await (await client.DeleteAsync(server.Url("/users/42"))).Content.ReadAsStringAsync()).ShouldBe("any method");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/elsewhere")) { Headers = { { "X-Catch", "all" } } };
        (await (await client.SendAsync(request)).Content.ReadAsStringAsync()).ShouldBe("predicate");
    }

    [Fact]
    public async Task Templates_match_decoded_segments_and_capture_decoded_values()
    {
        RouteValues? captured = null;
        await using var server = new MockWebServer
        {
            Dispatcher = new RouteDispatcher()
                .Map("GET", "/café/{name}").Respond((_, v) => { captured = v; return new MockResponse("one"); })
                .Map("GET", "/files/{dir}/{*rest}").Respond((_, v) => new MockResponse($"{v["dir"]}|{v["rest"]}")),
        };
        using var client = new HttpClient();

        (await client.GetStringAsync(server.Url("/caf%C3%A9/a%2Fb%20c"))).ShouldBe("one");
        captured.ShouldNotBeNull();
        captured["name"].ShouldBe("a/b c");
        (await client.GetStringAsync(server.Url("/files/x%20y/deep/er/file.txt"))).ShouldBe("x y|deep/er/file.txt");
        (await client.GetStringAsync(server.Url("/files/only/"))).ShouldBe("only|");
    }

    [Fact]
    public async Task Header_and_query_conditions_match_decoded_values_and_allow_other_parameters()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = new RouteDispatcher()
                .Map("GET", "/search").WithQuery("q", "a b&c").WithHeader("Accept", "application/json").Respond(new MockResponse("json"))
                .Map("GET", "/search").Respond(new MockResponse("other")),
        };
        using var client = new HttpClient();
        using var json = new HttpRequestMessage(HttpMethod.Get, server.Url("/search?page=2&q=a+b%26c")) { Headers = { { "Accept", "application/json" } } };

        (await (await client.SendAsync(json)).Content.ReadAsStringAsync()).ShouldBe("json");
        (await client.GetStringAsync(server.Url("/search?q=a+b%26c"))).ShouldBe("other");
    }

    [Fact]
    public async Task Times_and_RespondInOrder_stop_matching_when_used_up()
    {
        var routes = new RouteDispatcher()
            .Map("GET", "/limited").Times(2).Respond(new MockResponse("limited"))
            .Map("GET", "/limited").RespondInOrder(new MockResponse("first"), new MockResponse("second"));
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient();

        var bodies = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync(server.Url("/limited"));
            bodies.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        bodies.Take(4).ShouldBe(["200 limited", "200 limited", "200 first", "200 second"]);
        bodies[4].ShouldBe("""
            404 No route matched GET /limited HTTP/1.1
              1. GET /limited: used up: matched 2 of Times(2)
              2. GET /limited: used up: served all 2 in-order responses
            """.ReplaceLineEndings("\n"));
        routes.Unmatched.Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_near_miss_report_is_the_fallback_body_the_failure_and_the_traffic_log()
    {
        var log = new ConcurrentQueue<string>();
        var routes = new RouteDispatcher()
            .Map("POST", "/users").Respond(new MockResponse(201))
            .Map("GET", "/users/{id}").Respond(new MockResponse("user"))
            .Map("GET", "/users/{id}/items").Respond(new MockResponse("items"))
            .Map("GET", "/users/{id}/orders").WithHeader("Accept", "application/json").Respond(new MockResponse("orders"))
            .Map("GET", "/users/{id}/orders").WithQuery("page", "1").Respond(new MockResponse("page 1"))
            .Map("GET", "/users/{*rest}").WithBody(b => b.Contains("id", StringComparison.Ordinal), "a body naming an id").Respond(new MockResponse("body"))
            .Map(r => r.Headers.Contains("X-Admin"), "an X-Admin header").Respond(new MockResponse("admin"));
        await using var server = new MockWebServer { Dispatcher = routes, TrafficLog = log.Enqueue };
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/users/7/orders?page=2")) { Headers = { { "Accept", "text/html" } } };

        using var response = await client.SendAsync(request);

        const string Report = """
            No route matched GET /users/7/orders?page=2 HTTP/1.1
              1. POST /users: method is GET, expected POST
              2. GET /users/{id}: path /users/7/orders has 3 segments, the template 2
              3. GET /users/{id}/items: path segment 3 is "orders", expected "items"
              4. GET /users/{id}/orders: header Accept is "text/html", expected "application/json"
              5. GET /users/{id}/orders: query page is "2", expected "1"
              6. GET /users/{*rest}: body "" is not a body naming an id
              7. an X-Admin header: an X-Admin header does not hold
            """;
        var expected = Report.ReplaceLineEndings("\n");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        (await response.Content.ReadAsStringAsync()).ShouldBe(expected);
        var recorded = server.TakeRequest();
        recorded.Failure.ShouldBeOfType<UnmatchedRequestException>().Message.ShouldBe(expected);
        routes.Unmatched.ShouldHaveSingleItem().ShouldBeSameAs(recorded);
        log.ShouldContain($"[conn 0 #0] {expected}");
        routes.DescribeUnmatched().ShouldBe("1 request matched no route:\n" + expected);
    }

    [Fact]
    public async Task A_custom_fallback_is_sent_as_given_while_the_report_stays_the_failure()
    {
        var routes = new RouteDispatcher { Fallback = new MockResponse(418, "teapot") };
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Url("/x"));

        ((int)response.StatusCode).ShouldBe(418);
        (await response.Content.ReadAsStringAsync()).ShouldBe("teapot");
        server.TakeRequest().Failure!.Message.ShouldBe("No route matched GET /x HTTP/1.1\n  (no routes)");
    }

    [Fact]
    public void Malformed_templates_are_refused_with_the_reason()
    {
        var routes = new RouteDispatcher();
        Should.Throw<ArgumentException>(() => routes.Map("GET", "users")).Message.ShouldContain("must start with '/'");
        Should.Throw<ArgumentException>(() => routes.Map("GET", "/{*rest}/x")).Message.ShouldContain("before its last segment");
        Should.Throw<ArgumentException>(() => routes.Map("GET", "/a{id}")).Message.ShouldContain("a parameter takes a whole segment");
        Should.Throw<ArgumentException>(() => routes.Map("GET", "/{id}/{id}")).Message.ShouldContain("names \"id\" twice");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Times_and_in_order_queues_are_exact_under_100_concurrent_requests(bool http2)
    {
        const int Limited = 30;
        const int InOrder = 40;
        const int Total = 100;
        var routes = new RouteDispatcher()
            .Map("GET", "/r").Times(Limited).Respond(new MockResponse("limited"))
            .Map("GET", "/r").RespondInOrder([.. Enumerable.Range(0, InOrder).Select(i => new MockResponse($"ordered {i}"))])
            .Map("GET", "/r").Respond(new MockResponse("rest"));
        await using var server = http2
            ? new MockWebServer { Dispatcher = routes, Protocols = [Protocol.H2PriorKnowledge] }
            : new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Total })
        {
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var start = new SemaphoreSlim(0);

        var bodies = await Task.WhenAll(Enumerable.Range(0, Total).Select(async _ =>
        {
            await start.WaitAsync();
            return await client.GetStringAsync(server.Url("/r"));
        }).Append(Task.Run(() => { start.Release(Total); return string.Empty; })));

        var served = bodies.Where(b => b.Length > 0).ToList();
        served.Count(b => b == "limited").ShouldBe(Limited);
        served.Where(b => b.StartsWith("ordered ", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, InOrder).Select(i => $"ordered {i}").Order(StringComparer.Ordinal));
        served.Count(b => b == "rest").ShouldBe(Total - Limited - InOrder);
        routes.Unmatched.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_early_policy_of_a_routed_response_belongs_to_the_request_given_it()
    {
        var routes = new RouteDispatcher();
        await using var server = new MockWebServer { Dispatcher = routes, Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(new SocketsHttpHandler())
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(15),
        };

        const int Pairs = 50;
        var responses = Enumerable.Range(0, Pairs).SelectMany(_ => new[]
        {
            new MockResponse { SocketPolicy = SocketPolicy.ResetStreamAtStart(Http2ErrorCode.Cancel) },
            new MockResponse("ok"),
        }).ToArray();
        routes.Map("GET", "/p").RespondInOrder(responses);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 2 * Pairs).Select(async _ =>
        {
            try
            {
                return await client.GetStringAsync(server.Url("/p"));
            }
            catch (HttpRequestException)
            {
                return "reset";
            }
        }));

        outcomes.Count(o => o == "reset").ShouldBe(Pairs);
        outcomes.Count(o => o == "ok").ShouldBe(Pairs);
        routes.Unmatched.ShouldBeEmpty();
    }
}
