using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Diagnostics;

namespace MockKit.MockServer;

// Structured logging and metrics: the traffic log as ILogger entries, and counts a test can
// assert on without taking every request.
public sealed partial class MockWebServer
{
    private ServerMetrics? _metrics; // Made once, on first use (see Metrics).

    /// <summary>
    /// Receives the traffic log (every <see cref="TrafficLog"/> line as a Debug entry, event id 2000) and
    /// structured entries: connection accepted/closed (Debug, 2001/2002), request received (Information,
    /// 2003: ConnectionIndex, SequenceNumber, Method, Target, Protocol), request failed (Warning, 2004, with
    /// the failure), response sent (Information, 2005: StatusCode). Null (the default) logs nothing. Set it
    /// before the server starts; called on server threads; a throwing logger is ignored.
    /// </summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// Creates the server's <see cref="Meter"/> (named <c>MockKit.MockServer</c>). Null (the default): the
    /// server makes its own meter, scoped to the server (<see cref="Meter.Scope"/>), disposed at shutdown.
    /// Instruments: <c>mockkit.server.requests</c> (by <c>network.protocol.version</c> and
    /// <c>http.request.method</c>), <c>mockkit.server.responses</c> (by <c>http.response.status_code</c>),
    /// <c>mockkit.server.failures</c> (by <c>error.type</c>, the failure's type) and
    /// <c>mockkit.server.open_connections</c>.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    private ServerMetrics Metrics
    {
        get
        {
            if (Volatile.Read(ref _metrics) is { } metrics)
            {
                return metrics;
            }

            // Not under _lock: creating instruments notifies meter listeners. A race makes two; one is dropped.
            var made = new ServerMetrics(MeterFactory, this);
            var winner = Interlocked.CompareExchange(ref _metrics, made, null);
            if (winner is not null)
            {
                made.Dispose();
                return winner;
            }

            return made;
        }
    }

    internal void OnConnectionAccepted(ServerConnection connection)
    {
        connection.CountedOpen = Metrics.ConnectionOpened();
        if (Logger is { } logger)
        {
            Guard(() => ServerLog.ConnectionAccepted(logger, connection.Index, connection.RemoteEndPoint?.ToString()));
        }
    }

    /// <summary>A response was written in full.</summary>
    internal void OnResponseSent(ServerConnection connection, int sequenceNumber, int statusCode, Protocol protocol)
    {
        Metrics.ResponseSent(statusCode, protocol);
        if (Logger is { } logger)
        {
            LogResponseSent(logger, connection, sequenceNumber, statusCode, protocol);
        }
    }

    private void ObserveRecorded(RecordedRequest request)
    {
        Metrics.Recorded(request);
        if (Logger is { } logger)
        {
            LogRecorded(logger, request);
        }
    }

    /// <summary>A failure set after its request was observed (an abandoned exchange): counted and logged (2004) on its own, once.</summary>
    private void ObserveLateFailure(RecordedRequest request)
    {
        Metrics.Failed(request);
        if (Logger is { } logger)
        {
            LogRecorded(logger, request);
        }
    }

    // The per-request log calls live in their own methods: a lambda's captured parameters are
    // hoisted into a closure object at the start of the method that declares it, so in the callers
    // above every request would pay for a closure even with no logger listening.
    private static void LogResponseSent(ILogger logger, ServerConnection connection, int sequenceNumber, int statusCode, Protocol protocol) =>
        Guard(() => ServerLog.ResponseSent(logger, connection.Index, sequenceNumber, statusCode, protocol));

    private static void LogRecorded(ILogger logger, RecordedRequest request)
    {
        if (request.Failure is { } failure)
        {
            Guard(() => ServerLog.RequestFailed(logger, request.ConnectionIndex, request.SequenceNumber, request.RequestLine, failure.Message, failure));
        }
        else
        {
            Guard(() => ServerLog.RequestReceived(logger, request.ConnectionIndex, request.SequenceNumber, request.Method, request.Target, request.Protocol));
        }
    }

    private void ObserveClosed(ServerConnection connection)
    {
        Metrics.ConnectionClosed(connection.CountedOpen);
        if (Logger is { } logger)
        {
            Guard(() => ServerLog.ConnectionClosed(logger, connection.Index));
        }
    }

    private void DisposeMetrics() => Volatile.Read(ref _metrics)?.Dispose();

    /// <summary>A failing logger must not break the server (e.g. a test's output after the test ended).</summary>
    private static void Guard(Action log)
    {
        try
        {
            log();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Swallowed on purpose, as for TrafficLog.
        }
    }
}
