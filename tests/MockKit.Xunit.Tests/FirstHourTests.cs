using MockKit.Assertions;
using MockKit.MockServer;
using Xunit.Abstractions;

namespace MockKit.Xunit.Tests;

/// <summary>The xunit v2 MockKitTest has the same first-hour members as the v3 one.</summary>
public sealed class FirstHourTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_deliberate_near_miss_passes_with_AllowUnmatchedRequests()
    {
        var strict = await RoutedProbeWithOneMissAsync(allowUnmatched: false);
        (await Failure.OfAsync(strict.DisposeAsync)).Message.ShouldStartWith("1 request matched no route:\n");

        var lenient = await RoutedProbeWithOneMissAsync(allowUnmatched: true);
        await lenient.DisposeAsync();
        lenient.ServerUnderTest.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task The_client_resolves_relative_uris_against_the_server()
    {
        var test = new Probe(output);
        await test.InitializeAsync();
        test.ClientUnderTest.BaseAddress.ShouldBe(test.ServerUnderTest.Url("/"));
        test.ServerUnderTest.Enqueue(new MockResponse("user 7"));

        (await test.ClientUnderTest.GetStringAsync(new Uri("users/7", UriKind.Relative))).ShouldBe("user 7");

        test.ServerUnderTest.TakeRequest().ShouldHavePath("/users/7");
        await test.DisposeAsync();
    }

    private async Task<Probe> RoutedProbeWithOneMissAsync(bool allowUnmatched)
    {
        var test = new Probe(output) { AllowUnmatched = allowUnmatched };
        await test.InitializeAsync();
        test.ServerUnderTest.Dispatcher = new RouteDispatcher().Map("GET", "/users/{id}").Respond(new MockResponse("user"));
        using var missed = await test.ClientUnderTest.GetAsync(new Uri("orders/1", UriKind.Relative));
        missed.ShouldHaveStatus(404);
        return test;
    }

    /// <summary>Exposes the fixture's protected members so a test can drive it by hand.</summary>
    private sealed class Probe(ITestOutputHelper output) : MockKitTest(output)
    {
        public MockWebServer ServerUnderTest => Server;

        public HttpClient ClientUnderTest => Client;

        public bool AllowUnmatched
        {
            set => AllowUnmatchedRequests = value;
        }
    }
}
