namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// <see cref="RouteDispatcher.Unmatched"/> keeps the first <see cref="RouteDispatcher.UnmatchedLimit"/>
/// misses (each holds its body for the dispatcher's life), and <see cref="RouteDispatcher.UnmatchedCount"/>
/// counts all of them, so a long run of misses cannot grow memory without bound and a test can still
/// say how many there were.
/// </summary>
public sealed class UnmatchedBoundTests
{
    [Fact]
    public async Task Unmatched_keeps_the_first_misses_and_counts_them_all()
    {
        var routes = new RouteDispatcher { UnmatchedLimit = 3 };
        routes.Map("GET", "/users/{id}").Respond(new MockResponse("user"));
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        for (var i = 0; i < 10; i++)
        {
            using var response = await client.PostAsync(server.Url($"/miss/{i}"), new StringContent(new string('b', 1000)));
        }

        routes.UnmatchedCount.ShouldBe(10);
        routes.Unmatched.Select(r => r.Path).ShouldBe(["/miss/0", "/miss/1", "/miss/2"]);
        var description = routes.DescribeUnmatched().ShouldNotBeNull();
        description.ShouldStartWith("10 requests matched no route (the first 3 are listed):");
        description.ShouldContain("/miss/2");
        description.ShouldNotContain("/miss/3");

        // Every miss is still recorded on the server with its report.
        for (var i = 0; i < 10; i++)
        {
            server.TakeRequest().Failure.ShouldBeOfType<UnmatchedRequestException>();
        }
    }

    [Fact]
    public async Task The_default_bound_holds_over_many_misses()
    {
        var routes = new RouteDispatcher();
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (await client.GetAsync(server.Url("/first-miss")))
        {
        }

        // The rest straight through the dispatcher: the bound is the dispatcher's, not the socket's.
        var request = server.TakeRequest();
        for (var i = 1; i < 12_345; i++)
        {
            await routes.DispatchAsync(request, CancellationToken.None);
        }

        routes.UnmatchedCount.ShouldBe(12_345);
        routes.Unmatched.Count.ShouldBe(RouteDispatcher.DefaultUnmatchedLimit);
        routes.DescribeUnmatched().ShouldNotBeNull().ShouldStartWith("12,345 requests matched no route (the first 100 are listed):");
    }

    [Fact]
    public void A_negative_limit_is_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new RouteDispatcher { UnmatchedLimit = -1 });
    }

    [Fact]
    public async Task A_limit_of_zero_keeps_only_the_count()
    {
        var routes = new RouteDispatcher { UnmatchedLimit = 0 };
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using (await client.GetAsync(server.Url("/nowhere")))
        {
        }

        routes.UnmatchedCount.ShouldBe(1);
        routes.Unmatched.ShouldBeEmpty();
        routes.DescribeUnmatched().ShouldNotBeNull().ShouldStartWith("1 request matched no route (the first 0 are listed):");
    }
}
