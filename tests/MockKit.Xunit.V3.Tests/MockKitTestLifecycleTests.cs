using MockKit.Assertions;
using MockKit.MockServer;

namespace MockKit.Xunit.V3.Tests;

/// <summary>
/// MockKitTest as a suite uses it: xunit v3 constructs the class (no output helper passed),
/// calls InitializeAsync before the body and DisposeAsync after it.
/// </summary>
public sealed class MockKitTestLifecycleTests : MockKitTest
{
    [Fact]
    public async Task Xunit_starts_the_server_and_the_traffic_reaches_this_tests_output()
    {
        Server.IsRunning.ShouldBeTrue();
        Server.Enqueue(new MockResponse("hello"));

        using (var response = await Client.GetAsync(Server.Url("/hello"), TestContext.Current.CancellationToken))
        {
            await response.ShouldHaveStatus(200).ShouldHaveBodyAsync("hello");
        }

        Server.TakeRequest().ShouldHavePath("/hello");
        TestContext.Current.TestOutputHelper.ShouldNotBeNull().Output.ShouldContain("server | ");
    }
}

/// <summary>The same over HTTP/2 with TLS: the transport argument of the output-less constructor.</summary>
public sealed class MockKitTestHttp2LifecycleTests() : MockKitTest(MockKitTransport.Http2)
{
    [Fact]
    public async Task The_transport_is_wired_before_the_body_runs()
    {
        Server.Enqueue(new MockResponse("h2"));

        using (var response = await Client.GetAsync(Server.Url("/"), TestContext.Current.CancellationToken))
        {
            await response.ShouldHaveBodyAsync("h2");
        }

        Server.TakeRequest().ShouldHaveProtocol(MockKit.Protocol.Http2);
        Handler.Pool.ShouldEventuallyHaveMultiplexedConnections(1, TimeSpan.FromSeconds(10));
    }
}
