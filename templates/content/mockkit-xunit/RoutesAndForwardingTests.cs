using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
#if (XunitV2)
using Xunit.Abstractions;
#endif

namespace MockKitXunit;

/// <summary>
/// Example 4: the two dispatchers beyond the queue, around the same app under test.
/// <list type="bullet">
/// <item>A routed stub: the downstream service answers by route instead of in order. A request no
/// route matches gets a 404 whose body says, rule by rule, why it missed — and MockKitTest fails
/// the test with that report.</item>
/// <item>A forwarded fault: a second MockWebServer sits in front of the app under test and forwards
/// to it, so the app's real responses reach the client over real sockets, where a socket policy
/// breaks them on purpose (here: the connection drops half-way through the body).</item>
/// </list>
/// </summary>
#if (XunitV3)
public sealed class RoutesAndForwardingTests : MockKitTest
#else
public sealed class RoutesAndForwardingTests(ITestOutputHelper output) : MockKitTest(output)
#endif
{
    private WebApplication _app = null!;

#if (XunitV3)
    // xunit v3 cancels this token when the test run is cancelled or the test times out.
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

#if (XunitV3)
    public override async ValueTask InitializeAsync()
#else
    public override async Task InitializeAsync()
#endif
    {
        await base.InitializeAsync();
        _app = WeatherApp.Build(Server.Url("/"), () => new SocketsHttpHandler());
        await _app.StartAsync(Cancel);
    }

#if (XunitV3)
    public override async ValueTask DisposeAsync()
#else
    public override async Task DisposeAsync()
#endif
    {
        await _app.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_routed_stub_answers_by_path_and_query()
    {
        Server.Dispatcher = new RouteDispatcher()
            .Map("GET", "/forecast").WithQuery("city", "Lisbon").Respond(new MockResponse("sunny"))
            .Map("GET", "/forecast").WithQuery("city", "Bergen").Respond(new MockResponse("rain"));
        using var appClient = _app.GetTestClient();

        (await appClient.GetStringAsync("/weather/Bergen", Cancel)).ShouldBe("Bergen: rain");
        (await appClient.GetStringAsync("/weather/Lisbon", Cancel)).ShouldBe("Lisbon: sunny");
    }

    [Fact]
    public async Task A_forwarded_fault_cuts_the_apps_response_half_way()
    {
        Server.Dispatcher = new RouteDispatcher()
            .Map("GET", "/forecast").Respond(new MockResponse(new string('☀', 10_000)));

        // The front server forwards every request to the in-memory app and, on the way back,
        // adds a socket policy to the app's real response.
        var forward = new ForwardingDispatcher(_app.GetTestServer().CreateHandler(), new Uri("http://weather.test/"));
        forward.Transform = (request, response) =>
        {
            response.SocketPolicy = SocketPolicy.DisconnectDuringResponseBody();
            return response;
        };
        await using var front = new MockWebServer { Dispatcher = forward };
        await front.StartAsync(cancellationToken: Cancel);

        // The traffic log of the test's own Server shows the app's downstream call; the client
        // sees the app's response end early.
        await Should.ThrowAsync<HttpRequestException>(() => Client.GetStringAsync(front.Url("/weather/Oslo"), Cancel));

        front.TakeRequest().ShouldHavePath("/weather/Oslo");
        Server.TakeRequest().ShouldHavePath("/forecast?city=Oslo");

        // The exchange is recorded once the app's body was let go of, a moment after the cut.
        await forward.WaitForRecordingsAsync(1, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        forward.Recordings.ShouldHaveSingleItem().Response.Code.ShouldBe(200);
    }
}
