using System.Collections.Concurrent;
using System.Net;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// The near-miss report reaches the 404 body, the traffic log, ILogger and Failure.Message: for a
/// credential it says whether the value differs, never what it is.
/// </summary>
public sealed class NearMissRedactionTests
{
    [Fact]
    public async Task A_credential_header_or_query_parameter_is_reported_as_differing_without_its_value()
    {
        var log = new ConcurrentQueue<string>();
        var routes = new RouteDispatcher()
            .Map("GET", "/me").WithHeader("Authorization", "Bearer expected-token").Respond(new MockResponse("me"))
            .Map("GET", "/feed").WithQuery("access_token", "expected-token").Respond(new MockResponse("feed"))
            .Map("GET", "/me").WithHeader("X-Mode", "fast").Respond(new MockResponse("fast me"));
        await using var server = new MockWebServer { Dispatcher = routes, TrafficLog = log.Enqueue };
        using var client = new HttpClient();
        using var me = new HttpRequestMessage(HttpMethod.Get, server.Url("/me"));
        me.Headers.TryAddWithoutValidation("Authorization", "Bearer SECRET-TOKEN");
        me.Headers.TryAddWithoutValidation("X-Mode", "slow");

        using var response = await client.SendAsync(me);
        using var feed = await client.GetAsync(server.Url("/feed?access_token=SECRET-QUERY"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("1. GET /me: header Authorization is \"Bearer REDACTED\", expected \"Bearer REDACTED\" (values redacted; they differ)");
        body.ShouldContain("3. GET /me: header X-Mode is \"slow\", expected \"fast\""); // Other headers still show their values.
        var feedReport = await feed.Content.ReadAsStringAsync();
        feedReport.ShouldContain("2. GET /feed: query access_token is \"REDACTED\", expected \"REDACTED\" (values redacted; they differ)");
        foreach (var text in new[] { body, feedReport, routes.DescribeUnmatched()!, string.Join("\n", log) })
        {
            text.ShouldNotContain("SECRET-TOKEN");
            text.ShouldNotContain("expected-token");
        }
    }

    [Fact]
    public async Task A_missing_credential_header_says_none_was_sent()
    {
        var routes = new RouteDispatcher().Map("GET", "/me").WithHeader("Authorization", "Bearer expected-token").Respond(new MockResponse("me"));
        await using var server = new MockWebServer { Dispatcher = routes };
        using var client = new HttpClient();

        var report = await (await client.GetAsync(server.Url("/me"))).Content.ReadAsStringAsync();

        report.ShouldContain("header Authorization missing, expected \"Bearer REDACTED\" (values redacted; none sent)");
    }
}
