using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Observability;

public sealed class ClientMetricsTests
{
    private static readonly string[] s_runtimeInstruments =
    [
        "http.client.request.duration",
        "http.client.active_requests",
        "http.client.open_connections",
        "http.client.connection.duration",
        "http.client.request.time_in_queue",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Same_requests_through_SocketsHttpHandler_and_InstrumentedHandler_give_the_same_instruments_units_and_tags(bool http2)
    {
        using var runtimeFactory = new TestMeterFactory();
        using var mockkitFactory = new TestMeterFactory();
        using var runtime = new InstrumentRecorder(runtimeFactory);
        using var mockkit = new InstrumentRecorder(mockkitFactory);
        var certificates = HandshakeCertificates.Localhost();
        var stock = certificates.CreateSocketsHttpHandler();
        stock.MeterFactory = runtimeFactory;

        await RunScenarioAsync(http2 ? stock : new SocketsHttpHandler { MeterFactory = runtimeFactory }, http2 ? certificates : null);
        await RunScenarioAsync(new InstrumentedHandler { MeterFactory = mockkitFactory, Certificates = certificates }, http2 ? certificates : null);

        // An HTTP/2 connection closes after its GOAWAY is written, a moment after the handler is disposed.
        await Eventually.WaitUntilAsync(() => mockkit.Of("http.client.open_connections").Sum(m => m.Value) == 0, "every connection closed", TimeSpan.FromSeconds(30));
        await Eventually.WaitUntilAsync(() => runtime.Of("http.client.open_connections").Sum(m => m.Value) == 0, "every connection closed", TimeSpan.FromSeconds(30));

        foreach (var name in s_runtimeInstruments)
        {
            var theirs = runtime.Of(name);
            var ours = mockkit.Of(name);
            theirs.ShouldNotBeEmpty(name);
            ours.ShouldNotBeEmpty(name);
            ours.Select(m => m.Unit).Distinct().ShouldBe(theirs.Select(m => m.Unit).Distinct(), name);
            KeySets(ours).ShouldBe(KeySets(theirs), ignoreOrder: true, customMessage: name);
        }

        // Request by request (redirect hops are requests of their own in both), the same attribute values.
        Outcomes(mockkit).ShouldBe(Outcomes(runtime), ignoreOrder: true);
        Outcomes(mockkit).Count.ShouldBe(5);
        Outcomes(mockkit).Count(o => o.Contains($"network.protocol.version={(http2 ? "2" : "1.1")};", StringComparison.Ordinal)).ShouldBe(4);

        // Every connection opened was closed again, and only connection-setup waits were queued.
        foreach (var recorder in new[] { runtime, mockkit })
        {
            recorder.Of("http.client.open_connections").Sum(m => m.Value).ShouldBe(0);
            recorder.Of("http.client.active_requests").Sum(m => m.Value).ShouldBe(0);
        }

        mockkit.Of("http.client.request.time_in_queue").Count.ShouldBe(runtime.Of("http.client.request.time_in_queue").Count);
        mockkit.Of("http.client.connection.duration").Count.ShouldBe(runtime.Of("http.client.connection.duration").Count);
    }

    [Fact]
    public async Task The_request_duration_is_seconds_with_the_runtime_attributes()
    {
        using var factory = new TestMeterFactory();
        using var collector = new MetricCollector<double>(factory, "MockKit.Client", "http.client.request.duration");
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { MeterFactory = factory });
        h.Server.Enqueue(new MockResponse("ok"));

        (await h.Client.GetStringAsync(h.Url("/a?secret=1"))).ShouldBe("ok");

        var measurement = collector.GetMeasurementSnapshot().ShouldHaveSingleItem();
        collector.Instrument!.Unit.ShouldBe("s");
        measurement.Value.ShouldBeGreaterThanOrEqualTo(0);
        measurement.Tags.ShouldBe(new Dictionary<string, object?>
        {
            ["http.request.method"] = "GET",
            ["http.response.status_code"] = 200,
            ["network.protocol.version"] = "1.1",
            ["server.address"] = "127.0.0.1",
            ["server.port"] = h.Server.Port,
            ["url.scheme"] = "http",
        }, ignoreOrder: true);
    }

    [Fact]
    public async Task Two_handlers_in_parallel_count_only_their_own_requests()
    {
        // No factory: each handler's own meter is scoped to the handler, so a collector can pick one.
        await using var a = await ClientHarness.StartAsync();
        await using var b = await ClientHarness.StartAsync();
        using var countA = new MetricCollector<double>(a.Handler, "MockKit.Client", "http.client.request.duration");
        using var countB = new MetricCollector<double>(b.Handler, "MockKit.Client", "http.client.request.duration");
        for (var i = 0; i < 7; i++)
        {
            a.Server.Enqueue(new MockResponse("a"));
        }

        for (var i = 0; i < 3; i++)
        {
            b.Server.Enqueue(new MockResponse("b"));
        }

        await Task.WhenAll(
            Task.WhenAll(Enumerable.Range(0, 7).Select(_ => a.Client.GetStringAsync(a.Url("/")))),
            Task.WhenAll(Enumerable.Range(0, 3).Select(_ => b.Client.GetStringAsync(b.Url("/")))));

        countA.GetMeasurementSnapshot().Count.ShouldBe(7);
        countB.GetMeasurementSnapshot().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Open_connections_move_between_active_and_idle()
    {
        using var factory = new TestMeterFactory();
        using var open = new MetricCollector<long>(factory, "MockKit.Client", "http.client.open_connections");
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { MeterFactory = factory });
        h.Server.Enqueue(new MockResponse("streamed"));

        using (var response = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead))
        {
            Sum(open, "active").ShouldBe(1);
            Sum(open, "idle").ShouldBe(0);
            (await response.Content.ReadAsStringAsync()).ShouldBe("streamed");
        }

        Sum(open, "active").ShouldBe(0);
        Sum(open, "idle").ShouldBe(1);
        h.Pool.EvictAll();
        Sum(open, "idle").ShouldBe(0);
        open.GetMeasurementSnapshot().ShouldAllBe(m => m.Tags.ContainsKey("network.peer.address") && m.Tags.ContainsKey("server.port"));
    }

    [Fact]
    public async Task Reuse_evictions_and_retries_have_their_own_counters()
    {
        using var factory = new TestMeterFactory();
        using var reused = new MetricCollector<long>(factory, "MockKit.Client", "mockkit.client.connection.reused");
        using var evictions = new MetricCollector<long>(factory, "MockKit.Client", "mockkit.client.connection.evictions");
        using var retries = new MetricCollector<long>(factory, "MockKit.Client", "mockkit.client.request.retries");
        var handler = new InstrumentedHandler { MeterFactory = factory, Dns = new StaticDns([IPAddress.Loopback, IPAddress.Loopback]) };
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        h.Server.Enqueue(new MockResponse("retried"));

        (await h.Client.GetStringAsync(h.LocalhostUrl("/1"))).ShouldBe("first");
        (await h.Client.GetStringAsync(h.LocalhostUrl("/2"))).ShouldBe("retried");
        h.Pool.EvictAll();

        reused.GetMeasurementSnapshot().EvaluateAsCounter().ShouldBe(1);
        var retry = retries.GetMeasurementSnapshot().ShouldHaveSingleItem();
        retry.Tags["mockkit.retry.reason"].ShouldBe("stale_connection");
        evictions.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["mockkit.eviction.reason"].ShouldBe("evict_all");
    }

    [Fact]
    public async Task A_handlers_own_meter_is_disposed_with_the_handler()
    {
        var handler = new InstrumentedHandler();
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse("ok"));
        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("ok");
        h.Client.Dispose();

        // The handler's meter was disposed with it: a collector made now finds no live instrument of it.
        using var afterwards = new MetricCollector<double>(handler, "MockKit.Client", "http.client.request.duration");
        afterwards.Instrument.ShouldBeNull();
    }

    private static async Task RunScenarioAsync(HttpMessageHandler handler, HandshakeCertificates? https)
    {
        await using var server = new MockWebServer();
        if (https is not null)
        {
            server.UseHttps(https); // ALPN offers h2 first; both clients ask for 2.0.
        }

        server.Enqueue(new MockResponse("ok"));
        server.Enqueue(new MockResponse(404, "missing"));
        server.Enqueue(new MockResponse(302, string.Empty) { Headers = { { "Location", "/ok" } } });
        server.Enqueue(new MockResponse("ok after redirect"));
        await server.StartAsync();
        using (var client = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30), DefaultRequestVersion = https is null ? HttpVersion.Version11 : HttpVersion.Version20 })
        {
            (await client.GetStringAsync(server.Url("/ok"))).ShouldBe("ok");
            using (var missing = await client.GetAsync(server.Url("/missing")))
            {
                missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            }

            (await client.GetStringAsync(server.Url("/redirect"))).ShouldBe("ok after redirect");
            using var refused = new RefusingPort();
            await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"{server.Url("/").Scheme}://127.0.0.1:{refused.Port}/refused"));
        }
    }

    private static IEnumerable<string> KeySets(IReadOnlyList<Measured> measured) =>
        measured.Select(m => string.Join(",", m.Tags.Keys.Order(StringComparer.Ordinal))).Distinct();

    private static List<string> Outcomes(InstrumentRecorder recorder) =>
        [.. recorder.Of("http.client.request.duration").Select(m =>
            string.Join(";", m.Tags.Where(t => t.Key != "server.port").OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")))];

    private static long Sum(MetricCollector<long> collector, string state) =>
        collector.GetMeasurementSnapshot().Where(m => (string?)m.Tags["http.connection.state"] == state).Sum(m => m.Value);
}
