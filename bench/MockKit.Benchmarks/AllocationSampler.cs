using System.Diagnostics.Tracing;
using System.Globalization;

namespace MockKit.Benchmarks;

/// <summary>
/// Samples allocations by type through the runtime's randomized AllocationSampled event (.NET 10:
/// on average one sample per 100 KB allocated, each byte equally likely to be picked, so unlike
/// GCAllocationTick it is not biased towards the objects that happen to refill an allocation
/// context); a type's share of the samples estimates its share of the bytes. For <c>client-profile ... types</c>: which objects
/// make up the bytes per request, without an external profiler.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationSampled = 303;
    private const long MeanBytesPerSample = 100 * 1024;
    private static readonly bool s_bySize = Environment.GetEnvironmentVariable("MOCKKIT_ALLOCATION_SIZES") == "1";
    private readonly Dictionary<string, long> _bytes = [];
    private readonly Lock _lock = new();
    private volatile bool _recording;

    public void Start()
    {
        lock (_lock)
        {
            _bytes.Clear();
        }

        _recording = true;
    }

    /// <summary>Stops and prints the top types as estimated bytes per request.</summary>
    public void StopAndPrint(int requests, int top = 30)
    {
        _recording = false;
        KeyValuePair<string, long>[] rows;
        lock (_lock)
        {
            rows = [.. _bytes.OrderByDescending(r => r.Value).Take(top)];
        }

        foreach (var (type, bytes) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {bytes / (double)requests,8:0.0} B/req  {type}"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)0x80000000000); // AllocationSamplingKeyword
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationSampled || eventData.Payload is not { } payload)
        {
            return;
        }

        var typeIndex = eventData.PayloadNames!.IndexOf("TypeName");
        if (typeIndex < 0)
        {
            return;
        }

        var amount = MeanBytesPerSample;
        var type = payload[typeIndex] as string ?? "?";
        if (s_bySize && eventData.PayloadNames.IndexOf("ObjectSize") is var sizeIndex and >= 0)
        {
            // MOCKKIT_ALLOCATION_SIZES=1: one row per type and object size, to tell apart e.g. the strings of a request.
            type = string.Create(CultureInfo.InvariantCulture, $"{type} ({payload[sizeIndex]} B)");
        }

        lock (_lock)
        {
            _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
        }
    }
}
