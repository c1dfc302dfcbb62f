using MockKit.Assertions;
using MockKit.MockServer;
using Xunit.Abstractions;

namespace MockKit.Xunit.Tests;

public sealed class MockKitTestFixtureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_clean_test_passes_and_the_server_is_shut_down()
    {
        var test = new Probe(output);
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("ok"));
        using (var response = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/")))
        {
            await response.ShouldHaveBodyAsync("ok");
        }

        await test.DisposeAsync();
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task A_leaked_response_fails_the_test()
    {
        var test = new Probe(output) { Release = TimeSpan.FromMilliseconds(100) };
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("never read"));
        var leaked = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/"), HttpCompletionOption.ResponseHeadersRead);

        var failure = await Failure.OfAsync(test.DisposeAsync);
        failure.Message.ShouldStartWith("pool should have no allocated connections when the test ends (was every response disposed?)\n    0 allocated\n    but was\n    1 allocated\n\npool connections:\n    conn ");
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
        leaked.Dispose();
    }

    [Fact]
    public async Task An_unused_enqueued_response_fails_the_test_unless_allowed()
    {
        var strict = new Probe(output);
        await strict.InitializeAsync();
        strict.ServerUnderTest.Enqueue(new MockResponse("unused"));
        (await Failure.OfAsync(strict.DisposeAsync)).Message.ShouldStartWith(
            "server should have taken all responses\n    0 pending\n    but was\n    1 pending\n");

        var lenient = new Probe(output) { AllowUnused = true };
        await lenient.InitializeAsync();
        lenient.ServerUnderTest.Enqueue(new MockResponse("unused"));
        await lenient.DisposeAsync();
    }

    [Fact]
    public async Task An_unmatched_routed_request_fails_the_test_with_the_near_miss_report()
    {
        var test = new Probe(output);
        await test.InitializeAsync();
        test.ServerUnderTest.Dispatcher = new RouteDispatcher().Map("GET", "/users/{id}").Respond(new MockResponse("user"));
        using (var matched = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/users/1")))
        using (var missed = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/users/1/orders")))
        {
            await missed.ShouldHaveStatus(404).ShouldHaveBodyAsync("No route matched GET /users/1/orders HTTP/1.1\n  1. GET /users/{id}: path /users/1/orders has 3 segments, the template 2");
        }

        (await Failure.OfAsync(test.DisposeAsync)).Message.ShouldBe(
            "1 request matched no route:\nNo route matched GET /users/1/orders HTTP/1.1\n  1. GET /users/{id}: path /users/1/orders has 3 segments, the template 2");
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task A_routed_test_whose_requests_all_matched_passes()
    {
        var test = new Probe(output);
        await test.InitializeAsync();
        test.ServerUnderTest.Dispatcher = new RouteDispatcher().Map("GET", "/users/{id}").Respond(new MockResponse("user"));
        using (var response = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/users/1")))
        {
            await response.ShouldHaveBodyAsync("user");
        }

        await test.DisposeAsync();
    }

    [Fact]
    public void ShouldHaveNoUnmatchedRequests_passes_and_returns_the_dispatcher_without_misses()
    {
        var routes = new RouteDispatcher();
        routes.ShouldHaveNoUnmatchedRequests().ShouldBeSameAs(routes);
    }

    [Fact]
    public async Task Https_transport_wires_both_ends()
    {
        var test = new Probe(output, MockKitTransport.Https);
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("secure"));
        using (var response = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/")))
        {
            await response.ShouldHaveBodyAsync("secure");
            response.RequestMessage!.RequestUri!.Scheme.ShouldBe("https");
        }

        test.ServerUnderTest.TakeRequest().Handshake.ShouldNotBeNull();
        await test.DisposeAsync();
    }

    /// <summary>Exposes the fixture's protected members so a test can drive it by hand.</summary>
    private sealed class Probe(ITestOutputHelper output, MockKitTransport transport = MockKitTransport.Http11) : MockKitTest(output, transport)
    {
        public MockWebServer ServerUnderTest => Server;

        public HttpClient ClientUnderTest => Client;

        public TimeSpan Release
        {
            set => ReleaseTimeout = value;
        }

        public bool AllowUnused
        {
            set => AllowUnusedResponses = value;
        }
    }
}
