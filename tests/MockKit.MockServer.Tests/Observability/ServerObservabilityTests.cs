using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Observability;

public sealed class ServerObservabilityTests
{
    [Fact]
    public async Task The_meter_counts_requests_by_protocol_responses_by_status_and_failures_by_kind()
    {
        await using var server = new MockWebServer();
        using var requests = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.requests");
        using var responses = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.responses");
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        server.Enqueue(new MockResponse("ok"));
        server.Enqueue(new MockResponse(404, "missing"));
        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
        {
            (await client.GetStringAsync(server.Url("/ok"))).ShouldBe("ok");
            (await client.GetAsync(server.Url("/missing"))).Dispose();
        }

        await using (var raw = await RawConnection.OpenAsync(server))
        {
            await raw.SendAsync("GARBAGE\r\n\r\n");
            (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 400 ");
        }

        // A response is counted once written in full, which may be a moment after the client read it.
        await responses.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(30));
        requests.GetMeasurementSnapshot().EvaluateAsCounter().ShouldBe(3);
        requests.GetMeasurementSnapshot().ShouldAllBe(m => (string?)m.Tags["network.protocol.version"] == "1.1");
        var statuses = responses.GetMeasurementSnapshot().Select(m => m.Tags["http.response.status_code"]).ToList();
        statuses.ShouldBe(new object?[] { 200, 404 }, ignoreOrder: true);
        failures.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["error.type"].ShouldBe(typeof(System.Net.ProtocolViolationException).FullName);
    }

    [Fact]
    public async Task Http2_requests_are_counted_under_protocol_version_2()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        using var requests = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.requests");
        server.Enqueue(new MockResponse("ok"));
        using var client = new HttpClient
        {
            DefaultRequestVersion = new Version(2, 0),
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };

        (await client.GetStringAsync(server.Url("/"))).ShouldBe("ok");

        requests.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["network.protocol.version"].ShouldBe("2");
    }

    [Fact]
    public async Task Open_connections_go_up_on_accept_and_down_on_close()
    {
        await using var server = new MockWebServer();
        using var open = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.open_connections");
        server.Start();

        var raw = await RawConnection.OpenAsync(server);
        await open.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));
        open.GetMeasurementSnapshot().Sum(m => m.Value).ShouldBe(1);

        await raw.DisposeAsync();
        await open.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(30));
        open.GetMeasurementSnapshot().Sum(m => m.Value).ShouldBe(0);
    }

    [Fact]
    public async Task The_logger_gets_structured_entries_and_the_traffic_log()
    {
        var logger = new FakeLogger();
        await using var server = new MockWebServer { Logger = logger };
        server.Enqueue(new MockResponse(201, "made"));
        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
        {
            (await client.PostAsync(server.Url("/things"), new StringContent("x"))).Dispose();
        }

        await using (var raw = await RawConnection.OpenAsync(server))
        {
            await raw.SendAsync("GARBAGE\r\n\r\n");
            await raw.ReadToEndAsync();
        }

        // The response entry comes once the response was written in full, which may be a moment after the client read it.
        await WaitUntilAsync(() => logger.Collector.GetSnapshot().Any(e => e.Id.Id == 2005), "the response was logged");
        var entries = logger.Collector.GetSnapshot();
        var received = entries.Single(e => e.Id.Id == 2003);
        received.Level.ShouldBe(LogLevel.Information);
        received.GetStructuredStateValue("ConnectionIndex").ShouldBe("0");
        received.GetStructuredStateValue("SequenceNumber").ShouldBe("0");
        received.GetStructuredStateValue("Method").ShouldBe("POST");
        received.GetStructuredStateValue("Target").ShouldBe("/things");
        entries.Single(e => e.Id.Id == 2005).GetStructuredStateValue("StatusCode").ShouldBe("201");
        var failed = entries.Single(e => e.Id.Id == 2004);
        failed.Level.ShouldBe(LogLevel.Warning);
        failed.GetStructuredStateValue("ConnectionIndex").ShouldBe("1");
        failed.Exception.ShouldBeOfType<System.Net.ProtocolViolationException>();
        entries.ShouldContain(e => e.Id.Id == 2001 && e.Level == LogLevel.Debug);
        entries.ShouldContain(e => e.Id.Id == 2000 && e.Message.Contains("POST /things", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, CancellationToken.None); // Polls a condition under a deadline; never a timing assumption.
        }
    }
}
