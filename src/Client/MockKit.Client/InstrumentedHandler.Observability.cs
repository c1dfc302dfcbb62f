using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using MockKit.Client.Diagnostics;

namespace MockKit.Client;

// Metrics, tracing and logging: what SocketsHttpHandler gives an application, under the same
// names, so swapping it for this handler loses nothing (see Diagnostics/).
public sealed partial class InstrumentedHandler
{
    private ILogger? _logger;
    private ClientMetrics? _metrics; // Created at the first send (Freeze), under _lock.

    /// <summary>
    /// Creates this handler's <see cref="Meter"/> (named <c>MockKit.Client</c>). Null (the default):
    /// the handler makes its own meter, scoped to the handler (<see cref="Meter.Scope"/> is the
    /// handler) and disposed with it. Nothing is process-wide either way; meters are shared only
    /// when several handlers are given one factory that shares them.
    /// </summary>
    /// <remarks>
    /// Instruments, as the runtime's <c>System.Net.Http</c> meter names them:
    /// <c>http.client.request.duration</c> (s), <c>http.client.active_requests</c>,
    /// <c>http.client.open_connections</c> (<c>http.connection.state</c> idle/active),
    /// <c>http.client.connection.duration</c> (s), <c>http.client.request.time_in_queue</c> (s; a request
    /// that had to wait for a new connection); and MockKit's own <c>mockkit.client.connection.reused</c>,
    /// <c>mockkit.client.request.retries</c>, <c>mockkit.client.connection.evictions</c>. Each follow-up
    /// request (redirect) is a request of its own, as in the runtime.
    /// </remarks>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Injects trace context (W3C <c>traceparent</c>/<c>tracestate</c> and baggage by default) into each
    /// request. Null (the default): <see cref="DistributedContextPropagator.Current"/> as of the first send.
    /// <see cref="DistributedContextPropagator.CreateNoOutputPropagator"/> turns injection off.
    /// </summary>
    /// <remarks>
    /// As <see cref="SocketsHttpHandler"/>: each request sent gets an <see cref="Activity"/> from the
    /// <see cref="ActivitySource"/> <c>MockKit.Client</c> (kind Client, the runtime's tags) when that source
    /// is listened to, or a plain child activity when only <see cref="Activity.Current"/> exists; the
    /// context injected is the current activity's. No listener and no current activity: nothing is
    /// started or injected. Headers the application set are kept. This handler's own replays after a
    /// connection failure carry the same context; a request sent again by an outer handler (a resilience
    /// pipeline's retry or hedged attempt) and each redirect get the context of their own new span, the
    /// fields injected by the earlier send being replaced.
    /// </remarks>
    public DistributedContextPropagator? Propagator { get; init; }

    /// <summary>
    /// Receives every call event as a structured log entry (event ids 1000-1014: call start/end as
    /// Information, the phases as Debug, failures as Warning; named values such as CallId, ConnectionId,
    /// Method, Url, StatusCode). Null (the default) logs nothing. Frozen at the first send.
    /// </summary>
    public ILogger? Logger { get => _logger; set => Set(ref _logger, value); }

    /// <summary>
    /// True to show request URIs in full in <see cref="Logger"/> entries and in the messages of the
    /// exceptions a call throws (its timeout, a protocol the handler does not allow). False (the
    /// default) shows them as the runtime's HttpClient logging does since .NET 9: user info removed and
    /// the query replaced by <c>*</c> (<c>http://host/path?*</c>), since query strings and user info carry
    /// tokens and passwords. A proxy's credentials are never shown. Set it only where logs stay private.
    /// </summary>
    public bool DisableUriRedaction { get; init; }

    /// <summary>The handler's instruments; set at the first send.</summary>
    internal ClientMetrics Metrics => _metrics!;

    /// <summary>The propagator in force; set at the first send.</summary>
    internal DistributedContextPropagator ActivePropagator { get; private set; } = null!;

    /// <summary>The handler's listener, with the logger in the stream when there is one.</summary>
    private EventListener ObservedListener(EventListener listener) =>
        _logger is null ? listener : new LoggingEventListener(listener, _logger, DisableUriRedaction);

    /// <summary>Called once under <c>_lock</c> by Freeze.</summary>
    private void FreezeObservability()
    {
        ActivePropagator = Propagator ?? DistributedContextPropagator.Current;
        _metrics = new ClientMetrics(MeterFactory, this, _proxy, TimeProvider);
    }

    /// <summary>Disposes the handler's own meter (not under the lock: disposing notifies meter listeners).
    /// Connections still open afterwards record into disposed instruments, which ignore them.</summary>
    private void DisposeObservability() => Volatile.Read(ref _metrics)?.Dispose();
}
