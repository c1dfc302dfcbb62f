using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Xunit.Abstractions;

namespace MockKitXunit;

/// <summary>
/// Example 2: an ASP.NET Core app hosted in memory by TestHost, whose outbound HttpClient
/// (from IHttpClientFactory) talks to a MockWebServer through an InstrumentedHandler. The test
/// asserts the app's answer, the downstream requests it made, and that it reused its connection.
/// </summary>
public sealed class WeatherAppTests(ITestOutputHelper output) : MockKitTest(output)
{
    private readonly ConnectionPool _downstreamPool = new();
    private WebApplication _app = null!;
    private HttpClient _appClient = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // Each handler the factory creates shares one pool, so the test sees every connection
        // the app opens to the downstream service, whatever the factory's handler rotation does.
        _app = WeatherApp.Build(Server.Url("/"), () => new InstrumentedHandler { Pool = _downstreamPool, EventListener = Events });
        await _app.StartAsync();
        _appClient = _app.GetTestClient();
    }

    public override async Task DisposeAsync()
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

        (await _appClient.GetStringAsync("/weather/Lisbon")).ShouldBe("Lisbon: sunny");
        (await _appClient.GetStringAsync("/weather/Bergen")).ShouldBe("Bergen: rain");

        Server.TakeRequest().ShouldHavePath("/forecast?city=Lisbon").ShouldHaveSequenceNumber(0);
        Server.TakeRequest().ShouldHavePath("/forecast?city=Bergen").ShouldHaveSequenceNumber(1);
        _downstreamPool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(5)).ShouldHaveConnections(1);
    }

    [Fact]
    public async Task Maps_a_downstream_failure_to_502()
    {
        Server.Enqueue(new MockResponse(503, "maintenance"));

        using var response = await _appClient.GetAsync("/weather/Oslo");

        response.ShouldHaveStatus(502);
        Server.TakeRequest().ShouldHavePath("/forecast?city=Oslo");
    }
}
