using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_meter_reports_open_connections_and_durations()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? State)>();
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "MockKit.Client")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, StateOf(tags))));
        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            measurements.Enqueue((instrument.Name, value, StateOf(tags))));
        meterListener.Start();
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("ok"));

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("ok");
        meterListener.RecordObservableInstruments();
        h.Pool.EvictAll();

        measurements.ShouldContain(m => m.Instrument == "mockkit.client.request.duration" && m.Value >= 0);
        measurements.ShouldContain(m => m.Instrument == "mockkit.client.open_connections" && m.State == "idle" && m.Value >= 1);
        measurements.ShouldContain(m => m.Instrument == "mockkit.client.open_connections" && m.State == "active");
        measurements.ShouldContain(m => m.Instrument == "mockkit.client.connection.duration" && m.Value >= 0);
    }

    private static string? StateOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "state")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
