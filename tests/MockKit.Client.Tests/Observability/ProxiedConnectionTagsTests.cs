using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Observability;

/// <summary>
/// The connection metrics' <c>server.address</c> and <c>server.port</c> for a request sent through an
/// HTTP proxy, side by side with the runtime's SocketsHttpHandler on the same request: the same
/// MockWebServer acting as the proxy, the same absolute-form target, each handler on its own meter
/// factory. <c>http.client.open_connections</c> is read as the connection opens and
/// <c>http.client.connection.duration</c> as the handler's disposal closes it. (The two differ
/// elsewhere, left as they are: the runtime's first open_connections +1 says <c>idle</c> where
/// MockKit's says <c>active</c>, and its dual-mode socket names the peer <c>::ffff:127.0.0.1</c>.)
/// </summary>
public sealed class ProxiedConnectionTagsTests
{
    private static readonly Uri Origin = new("http://origin.example:8080/through-the-proxy");

    [Fact]
    public async Task Server_address_and_port_of_a_proxied_connection_match_the_runtime()
    {
        var runtime = await TagsAsync(factory => new SocketsHttpHandler { MeterFactory = factory, UseProxy = true });
        var mockkit = await TagsAsync(factory => new InstrumentedHandler { MeterFactory = factory });

        // The runtime (.NET 10) tags a connection to an HTTP proxy with the proxy's host and port 0, not the
        // origin's (MockKit tagged it origin.example:8080): the connection is the proxy's, for any origin.
        runtime.ShouldBe("open: server.address=127.0.0.1, server.port=0; duration: server.address=127.0.0.1, server.port=0");
        mockkit.ShouldBe(runtime);
    }

    private static async Task<string> TagsAsync(Func<TestMeterFactory, HttpMessageHandler> make)
    {
        await using var proxy = new MockWebServer();
        proxy.Enqueue(new MockResponse("proxied"));
        using var factory = new TestMeterFactory();
        using var open = new MetricCollector<long>(factory, "System.Net.Http", "http.client.open_connections");
        using var openMockKit = new MetricCollector<long>(factory, "MockKit.Client", "http.client.open_connections");
        using var duration = new MetricCollector<double>(factory, "System.Net.Http", "http.client.connection.duration");
        using var durationMockKit = new MetricCollector<double>(factory, "MockKit.Client", "http.client.connection.duration");
        var handler = make(factory);
        switch (handler)
        {
            case SocketsHttpHandler sockets:
                sockets.Proxy = proxy.ToProxy();
                break;
            case InstrumentedHandler instrumented:
                instrumented.Proxy = proxy.ToProxy();
                break;
        }

        using (var client = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) })
        {
            (await client.GetStringAsync(Origin)).ShouldBe("proxied");
        }

        proxy.TakeRequest().Target.ShouldBe(Origin.ToString());
        var opened = open.GetMeasurementSnapshot().Concat(openMockKit.GetMeasurementSnapshot()).First(m => m.Value > 0);
        var closed = duration.GetMeasurementSnapshot().Concat(durationMockKit.GetMeasurementSnapshot()).ShouldHaveSingleItem();
        return $"open: {Describe(opened.Tags, proxy)}; duration: {Describe(closed.Tags, proxy)}";
    }

    /// <summary>server.address and server.port, with the proxy's port written as "proxy" so two runs compare.</summary>
    private static string Describe(IReadOnlyDictionary<string, object?> tags, MockWebServer proxy)
    {
        var port = tags.TryGetValue("server.port", out var p) ? Convert.ToInt32(p, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        var shownPort = port == proxy.Port ? "proxy" : port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
        return $"server.address={tags.GetValueOrDefault("server.address")}, server.port={shownPort}";
    }
}
