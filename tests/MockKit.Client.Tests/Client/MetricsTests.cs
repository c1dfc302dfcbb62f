using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class MetricsTests
{
    private const string MeterName = "MockKit.Client";

    [Fact]
    public async Task The_meter_reports_open_connections_and_durations()
    {
        using var requestDuration = new MetricCollector<double>(null, MeterName, "mockkit.client.request.duration");
        using var openConnections = new MetricCollector<int>(null, MeterName, "mockkit.client.open_connections");
        using var connectionDuration = new MetricCollector<double>(null, MeterName, "mockkit.client.connection.duration");
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("ok"));

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("ok");
        openConnections.RecordObservableInstruments();
        h.Pool.EvictAll();

        requestDuration.GetMeasurementSnapshot().ShouldContain(m => m.Value >= 0);
        openConnections.GetMeasurementSnapshot().ShouldContain(m => StateOf(m) == "idle" && m.Value >= 1);
        openConnections.GetMeasurementSnapshot().ShouldContain(m => StateOf(m) == "active");
        connectionDuration.GetMeasurementSnapshot().ShouldContain(m => m.Value >= 0);
    }

    private static string? StateOf<T>(CollectedMeasurement<T> measurement)
        where T : struct =>
        measurement.Tags.TryGetValue("state", out var state) ? state as string : null;
}
