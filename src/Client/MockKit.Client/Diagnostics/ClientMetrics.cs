using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using MockKit.Client.Connections;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// One handler's instruments, on one <see cref="Meter"/> named <c>MockKit.Client</c>: the
/// runtime's HTTP client instruments under the same names, units and attributes
/// (<c>http.client.*</c>), plus what only a pool that shows its hand can count
/// (<c>mockkit.client.*</c>: reused connections, retries, evictions).
/// </summary>
/// <remarks>
/// The meter comes from the handler's <see cref="IMeterFactory"/> (which owns and may share it)
/// or, without one, is the handler's own, scoped to the handler and disposed with it; nothing is
/// process-wide, so two handlers never mix counts. Every recording checks the instrument's
/// <c>Enabled</c> before building tags: unobserved, the cost is a field read.
/// </remarks>
internal sealed class ClientMetrics : IDisposable
{
    public const string MeterName = "MockKit.Client";

    // The semantic conventions' advice for request-length durations, as the runtime gives it.
    private static readonly InstrumentAdvice<double> s_durationAdvice = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    };

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ClientMetrics(IMeterFactory? meterFactory, object scope, IWebProxy? proxy, TimeProvider timeProvider)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(new MeterOptions(MeterName) { Scope = scope });
        Proxy = proxy;
        TimeProvider = timeProvider;
        ActiveRequests = _meter.CreateUpDownCounter<long>(
            "http.client.active_requests", "{request}", "Number of outbound HTTP requests that are currently active on the client.");
        RequestDuration = _meter.CreateHistogram(
            "http.client.request.duration", "s", "Duration of HTTP client requests.", tags: null, advice: s_durationAdvice);
        OpenConnections = _meter.CreateUpDownCounter<long>(
            "http.client.open_connections", "{connection}", "Number of outbound HTTP connections that are currently active or idle on the client.");
        ConnectionDuration = _meter.CreateHistogram<double>(
            "http.client.connection.duration", "s", "The duration of successfully established outbound HTTP connections.");
        TimeInQueue = _meter.CreateHistogram(
            "http.client.request.time_in_queue", "s", "The amount of time requests spent on a queue waiting for an available connection.", tags: null, advice: s_durationAdvice);
        ConnectionsReused = _meter.CreateCounter<long>(
            "mockkit.client.connection.reused", "{exchange}", "Exchanges carried by a connection that had carried one before.");
        Retries = _meter.CreateCounter<long>(
            "mockkit.client.request.retries", "{retry}", "Requests replayed after a connection failure (stale pooled connection, refused stream, next route).");
        Evictions = _meter.CreateCounter<long>(
            "mockkit.client.connection.evictions", "{connection}", "Idle connections the pool closed (keep-alive expired, too many idle, EvictAll).");
    }

    public Meter Meter => _meter;

    public IWebProxy? Proxy { get; }

    public TimeProvider TimeProvider { get; }

    public UpDownCounter<long> ActiveRequests { get; }

    public Histogram<double> RequestDuration { get; }

    public UpDownCounter<long> OpenConnections { get; }

    public Histogram<double> ConnectionDuration { get; }

    public Histogram<double> TimeInQueue { get; }

    public Counter<long> ConnectionsReused { get; }

    public Counter<long> Retries { get; }

    public Counter<long> Evictions { get; }

    /// <summary>The attributes every request instrument carries, known before the request is sent.</summary>
    public TagList RequestTags(HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        var tags = new TagList
        {
            { HttpTags.UrlScheme, uri.Scheme },
            { HttpTags.ServerAddress, HttpTags.ServerAddressOf(request, Proxy) },
            { HttpTags.ServerPort, uri.Port },
            HttpTags.MethodTag(request.Method, out _),
        };
        return tags;
    }

    /// <summary>
    /// A request waited for a new connection (none was free in the pool): how long, and on what
    /// (<paramref name="connection"/>: null when no connection came, as the runtime also records a
    /// wait that ended in a failure; the version is then the one the request asked for).
    /// </summary>
    public void RequestLeftQueue(HttpRequestMessage request, PooledConnection? connection, TimeSpan waited)
    {
        if (!TimeInQueue.Enabled)
        {
            return;
        }

        var uri = request.RequestUri!;
        var version = connection is not null
            ? HttpTags.Version(connection.Protocol)
            : request.Version.Major >= 2 && request.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower ? "2" : "1.1";
        var tags = new TagList
        {
            { HttpTags.ProtocolVersion, version },
            { HttpTags.UrlScheme, uri.Scheme },
            { HttpTags.ServerAddress, uri.IdnHost },
        };
        if (!uri.IsDefaultPort)
        {
            tags.Add(HttpTags.ServerPort, uri.Port);
        }

        tags.Add(HttpTags.MethodTag(request.Method, out _));
        TimeInQueue.Record(waited.TotalSeconds, tags);
    }

    /// <summary>An exchange went on a connection that had carried one before.</summary>
    public void ConnectionReused(PooledConnection connection)
    {
        if (ConnectionsReused.Enabled)
        {
            ConnectionsReused.Add(1, ConnectionMetrics.Tags(connection));
        }
    }

    /// <summary>
    /// A request is replayed; the counter's <c>mockkit.retry.reason</c> tag is <paramref name="reason"/>:
    /// <c>stale_connection</c> (a reused connection failed before any response byte: it had likely
    /// been closed by the server while idle), <c>unprocessed</c> (HTTP/2: the server said it did not
    /// process the stream, by a GOAWAY whose last stream id is below it or by REFUSED_STREAM;
    /// RFC 9113 section 8.7) or <c>next_route</c> (a new connection failed and another route, e.g. the
    /// next resolved address, remains). Each replay also raises <see cref="EventListener.OnRetryDecision"/>.
    /// </summary>
    public void Retried(HttpRequestMessage request, string reason)
    {
        if (Retries.Enabled)
        {
            var tags = RequestTags(request);
            tags.Add("mockkit.retry.reason", reason);
            Retries.Add(1, tags);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
