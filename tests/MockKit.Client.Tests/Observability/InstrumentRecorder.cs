using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MockKit.Client.Tests.Observability;

/// <summary>One measurement: instrument name, unit, value and tags (as a dictionary).</summary>
internal sealed record Measured(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public IReadOnlySet<string> TagKeys => Tags.Keys.ToHashSet();
}

/// <summary>
/// Records every measurement of every instrument on the meters of one scope (a meter factory or a
/// handler), whatever the instrument type; used to compare MockKit's instruments with the runtime's.
/// </summary>
internal sealed class InstrumentRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measured = new();

    public InstrumentRecorder(object scope)
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _listener.Start();
    }

    public IReadOnlyList<Measured> All => [.. _measured];

    public IReadOnlyList<Measured> Of(string instrument) => [.. _measured.Where(m => m.Instrument == instrument)];

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }

        _measured.Enqueue(new Measured(instrument.Name, instrument.Unit, value, dictionary));
    }
}
