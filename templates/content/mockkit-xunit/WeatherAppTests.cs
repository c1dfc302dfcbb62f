using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
#if (XunitV2)
using Xunit.Abstractions;
#endif

namespace MockKitXunit;

/// <summary>
/// Example 2: an ASP.NET Core app hosted in memory by TestHost, whose outbound HttpClient
/// (from IHttpClientFactory) talks to a MockWebServer through an InstrumentedHandler. The test
/// asserts the app's answer, the downstream requests it made, and that it reused its connection.
/// </summary>
#if (XunitV3)
public sealed class WeatherAppTests : MockKitTest
#else
public sealed class WeatherAppTests(ITestOutputHelper output) : MockKitTest(output)
#endif
{
    private readonly ConnectionPool _downstreamPool = new();
    private WebApplication _app = null!;
    private HttpClient _appClient = null!;

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

        // Each handler the factory creates shares one pool, so the test sees every connection
        // the app opens to the downstream service, whatever the factory's handler rotation does.
        _app = WeatherApp.Build(Server.Url("/"), () => new InstrumentedHandler { Pool = _downstreamPool, EventListener = Events });
        await _app.StartAsync(Cancel);
        _appClient = _app.GetTestClient();
    }

#if (XunitV3)
    public override async ValueTask DisposeAsync()
#else
    public override async Task DisposeAsync()
#endif
    {
        _appClient.Dispose();
        await _app.DisposeAsync();
        _downstreamPool.EvictAll();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Answers_from_the_downstream_service_and_reuses_its_connection()
    {
        Server.Enqueue(new MockResponse("sunny"));
        Server.Enqueue(new MockResponse("rain"));

        (await _appClient.GetStringAsync("/weather/Lisbon", Cancel)).ShouldBe("Lisbon: sunny");
        (await _appClient.GetStringAsync("/weather/Bergen", Cancel)).ShouldBe("Bergen: rain");

        Server.TakeRequest().ShouldHavePath("/forecast?city=Lisbon").ShouldHaveSequenceNumber(0);
        Server.TakeRequest().ShouldHavePath("/forecast?city=Bergen").ShouldHaveSequenceNumber(1);
        _downstreamPool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(5)).ShouldHaveConnections(1);
    }

    [Fact]
    public async Task Maps_a_downstream_failure_to_502()
    {
        Server.Enqueue(new MockResponse(503, "maintenance"));

        using var response = await _appClient.GetAsync("/weather/Oslo", Cancel);

        response.ShouldHaveStatus(502);
        Server.TakeRequest().ShouldHavePath("/forecast?city=Oslo");
    }
}
