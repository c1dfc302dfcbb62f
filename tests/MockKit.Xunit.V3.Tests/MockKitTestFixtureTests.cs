using MockKit.Assertions;
using MockKit.MockServer;
using MockKit.Testing;

namespace MockKit.Xunit.V3.Tests;

/// <summary>
/// The xunit v3 MockKitTest, driven by hand: the same behaviour as the v2 package (the leak
/// check, the unused-response check, bounded shutdown, every transport) plus what only v3 has,
/// the output of <see cref="TestContext.Current"/> and its cancellation.
/// </summary>
public sealed class MockKitTestFixtureTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_clean_test_passes_and_the_server_is_shut_down()
    {
        var test = new Probe();
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("ok"));
        using (var response = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/"), Cancel))
        {
            await response.ShouldHaveBodyAsync("ok");
        }

        await test.DisposeAsync();
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task Without_an_output_helper_the_traffic_and_events_go_to_the_current_test_output()
    {
        var test = new Probe();
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("logged"));
        using (var response = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/logged"), Cancel))
        {
            await response.ShouldHaveBodyAsync("logged");
        }

        await test.DisposeAsync();

        var output = TestContext.Current.TestOutputHelper.ShouldNotBeNull().Output;
        output.ShouldContain("server | ");
        output.ShouldContain("/logged");
        output.ShouldMatch(@"client \| call \d+ CallStart\b");
        output.ShouldMatch(@"client \| call \d+ CallEnd");
    }

    [Fact]
    public async Task A_leaked_response_fails_the_test()
    {
        var test = new Probe { Release = TimeSpan.FromMilliseconds(100) };
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("never read"));
        var leaked = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/"), HttpCompletionOption.ResponseHeadersRead, Cancel);

        var failure = await Failure.OfAsync(async () => await test.DisposeAsync());
        failure.Message.ShouldStartWith("pool should have no allocated connections when the test ends (was every response disposed?)\n    0 allocated\n    but was\n    1 allocated\n\npool connections:\n    conn ");
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
        leaked.Dispose();
    }

    [Fact]
    public async Task An_unused_enqueued_response_fails_the_test_unless_allowed()
    {
        var strict = new Probe();
        await strict.InitializeAsync();
        strict.ServerUnderTest.Enqueue(new MockResponse("unused"));
        (await Failure.OfAsync(async () => await strict.DisposeAsync())).Message.ShouldStartWith(
            "server should have taken all responses\n    0 pending\n    but was\n    1 pending\n");

        var lenient = new Probe { AllowUnused = true };
        await lenient.InitializeAsync();
        lenient.ServerUnderTest.Enqueue(new MockResponse("unused"));
        await lenient.DisposeAsync();
    }

    [Theory]
    [InlineData(MockKitTransport.Http11, "HTTP/1.1", "http")]
    [InlineData(MockKitTransport.Https, "HTTP/1.1", "https")]
    [InlineData(MockKitTransport.Http2, "HTTP/2", "https")]
    [InlineData(MockKitTransport.H2PriorKnowledge, "HTTP/2", "http")]
    public async Task Every_transport_wires_both_ends(MockKitTransport transport, string protocol, string scheme)
    {
        var test = new Probe(transport);
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("wired"));
        using (var response = await test.ClientUnderTest.GetAsync(test.ServerUnderTest.Url("/"), Cancel))
        {
            await response.ShouldHaveBodyAsync("wired");
            response.RequestMessage!.RequestUri!.Scheme.ShouldBe(scheme);
        }

        test.ServerUnderTest.TakeRequest().RequestLine.ShouldEndWith(protocol);
        await test.DisposeAsync();
    }

    /// <summary>Exposes the fixture's protected members so a test can drive it by hand.</summary>
    private sealed class Probe(MockKitTransport transport = MockKitTransport.Http11) : MockKitTest(transport)
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
