using System.Diagnostics.Metrics;

namespace MockKit.Client.Tests.Observability;

/// <summary>An <see cref="IMeterFactory"/> whose meters are scoped to it, so a MetricCollector can pick
/// exactly one handler's instruments (scope filter = this factory) while other tests run in parallel.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
