using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MockKit.Client;

/// <summary>
/// The <c>MockKit.Client</c> meter: open connections by state (an observable up-down counter
/// summed over every live pool), connection duration and request duration histograms (seconds).
/// Instruments check <c>Enabled</c> before building tags, so they cost nothing unobserved.
/// </summary>
internal static class ClientMetrics
{
    public const string MeterName = "MockKit.Client";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Lock s_poolsLock = new();
    private static readonly List<WeakReference<ConnectionPool>> s_pools = []; // Guarded by s_poolsLock.

    private static readonly Histogram<double> s_connectionDuration = s_meter.CreateHistogram<double>(
        "mockkit.client.connection.duration", "s", "How long connections stayed open.");

    private static readonly Histogram<double> s_requestDuration = s_meter.CreateHistogram<double>(
        "mockkit.client.request.duration", "s", "How long calls took, from start to the end of the response body.");

    static ClientMetrics()
    {
        s_meter.CreateObservableUpDownCounter(
            "mockkit.client.open_connections",
            ObserveOpenConnections,
            "{connection}",
            "Open connections in the pools, by state (idle or active).");
    }

    /// <summary>Adds a pool to those observed; pools are held weakly, so a dropped pool stops counting.</summary>
    public static void Register(ConnectionPool pool)
    {
        lock (s_poolsLock)
        {
            s_pools.RemoveAll(r => !r.TryGetTarget(out _));
            s_pools.Add(new WeakReference<ConnectionPool>(pool));
        }
    }

    public static void ConnectionClosed(TimeSpan openFor, string scheme, Protocol protocol)
    {
        if (s_connectionDuration.Enabled)
        {
            s_connectionDuration.Record(openFor.TotalSeconds, new("url.scheme", scheme), new("network.protocol.version", protocol == Protocol.Http11 ? "1.1" : "2"));
        }
    }

    public static void RequestFinished(TimeSpan duration, string method, int statusCode, bool failed)
    {
        if (s_requestDuration.Enabled)
        {
            var tags = new TagList
            {
                { "http.request.method", method },
                { "http.response.status_code", statusCode },
            };
            if (failed)
            {
                tags.Add("error.type", "failed");
            }

            s_requestDuration.Record(duration.TotalSeconds, tags);
        }
    }

    private static IEnumerable<Measurement<int>> ObserveOpenConnections()
    {
        ConnectionPool[] pools;
        lock (s_poolsLock)
        {
            pools = [.. s_pools.Select(r => r.TryGetTarget(out var p) ? p : null).OfType<ConnectionPool>()];
        }

        int idle = 0, active = 0;
        foreach (var pool in pools)
        {
            var (i, a) = pool.CountByState();
            idle += i;
            active += a;
        }

        return
        [
            new Measurement<int>(idle, new KeyValuePair<string, object?>("state", "idle")),
            new Measurement<int>(active, new KeyValuePair<string, object?>("state", "active")),
        ];
    }
}
