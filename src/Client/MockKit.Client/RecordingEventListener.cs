using System.Net;

namespace MockKit.Client;

/// <summary>
/// An <see cref="EventListener"/> that records every event in order, for assertions. Thread-safe.
/// </summary>
public sealed class RecordingEventListener : EventListener
{
    private readonly Lock _lock = new();
    private readonly List<CallEvent> _events = []; // Guarded by _lock.
    private TimeProvider? _clock;

    /// <summary>Creates a listener stamping events with <paramref name="timeProvider"/>; when null, with the
    /// <see cref="InstrumentedHandler.TimeProvider"/> of the first handler it is given to (system time until then).</summary>
    public RecordingEventListener(TimeProvider? timeProvider = null)
    {
        _clock = timeProvider;
    }

    /// <summary>The clock events are stamped with.</summary>
    public TimeProvider TimeProvider => Volatile.Read(ref _clock) ?? TimeProvider.System;

    /// <summary>A copy of the events recorded so far, in order.</summary>
    public IReadOnlyList<CallEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The names of the events recorded so far, in order.</summary>
    public IReadOnlyList<string> EventNames => [.. Events.Select(e => e.Name)];

    /// <summary>Forgets every recorded event.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _events.Clear();
        }
    }

    internal override void AttachClock(TimeProvider timeProvider) =>
        Interlocked.CompareExchange(ref _clock, timeProvider, null);

    /// <inheritdoc />
    public override void OnCallStart(long callId, HttpRequestMessage request) => Add("CallStart", callId, $"{request.Method} {request.RequestUri}");

    /// <inheritdoc />
    public override void OnProxySelectStart(long callId, Uri url) => Add("ProxySelectStart", callId, url.ToString());

    /// <inheritdoc />
    public override void OnProxySelectEnd(long callId, Uri url, Uri? proxy) => Add("ProxySelectEnd", callId, proxy?.ToString() ?? "direct");

    /// <inheritdoc />
    public override void OnDnsStart(long callId, string host) => Add("DnsStart", callId, host);

    /// <inheritdoc />
    public override void OnDnsEnd(long callId, string host, IReadOnlyList<IPAddress> addresses) => Add("DnsEnd", callId, string.Join(", ", addresses));

    /// <inheritdoc />
    public override void OnConnectStart(long callId, Route route) => Add("ConnectStart", callId, route.ToString());

    /// <inheritdoc />
    public override void OnSecureConnectStart(long callId, Route route) => Add("SecureConnectStart", callId, route.ToString());

    /// <inheritdoc />
    public override void OnSecureConnectEnd(long callId, Route route, TlsHandshake handshake) => Add("SecureConnectEnd", callId, handshake.ToString());

    /// <inheritdoc />
    public override void OnConnectEnd(long callId, Route route, Protocol protocol) => Add("ConnectEnd", callId, protocol.ToString());

    /// <inheritdoc />
    public override void OnConnectFailed(long callId, Route route, Exception exception) => Add("ConnectFailed", callId, exception.Message);

    /// <inheritdoc />
    public override void OnConnectionAcquired(long callId, long connectionId, Route route, bool reused) => Add("ConnectionAcquired", callId, $"conn {connectionId} reused={reused}");

    /// <inheritdoc />
    public override void OnRequestHeadersStart(long callId) => Add("RequestHeadersStart", callId);

    /// <inheritdoc />
    public override void OnRequestHeadersEnd(long callId, HttpRequestMessage request) => Add("RequestHeadersEnd", callId);

    /// <inheritdoc />
    public override void OnRequestBodyStart(long callId) => Add("RequestBodyStart", callId);

    /// <inheritdoc />
    public override void OnRequestBodyEnd(long callId, long byteCount) => Add("RequestBodyEnd", callId, $"{byteCount} bytes");

    /// <inheritdoc />
    public override void OnResponseHeadersStart(long callId) => Add("ResponseHeadersStart", callId);

    /// <inheritdoc />
    public override void OnResponseHeadersEnd(long callId, HttpResponseMessage response) => Add("ResponseHeadersEnd", callId, $"{(int)response.StatusCode}");

    /// <inheritdoc />
    public override void OnResponseBodyStart(long callId) => Add("ResponseBodyStart", callId);

    /// <inheritdoc />
    public override void OnResponseBodyEnd(long callId, long byteCount) => Add("ResponseBodyEnd", callId, $"{byteCount} bytes");

    /// <inheritdoc />
    public override void OnConnectionReleased(long callId, long connectionId) => Add("ConnectionReleased", callId, $"conn {connectionId}");

    /// <inheritdoc />
    public override void OnRetryDecision(long callId, Exception exception, bool retry) => Add("RetryDecision", callId, $"retry={retry} {exception.Message}");

    /// <inheritdoc />
    public override void OnFollowUpDecision(long callId, HttpResponseMessage response, HttpRequestMessage? nextRequest) =>
        Add("FollowUpDecision", callId, nextRequest is null ? $"{(int)response.StatusCode} final" : $"{(int)response.StatusCode} -> {nextRequest.Method} {nextRequest.RequestUri}");

    /// <inheritdoc />
    public override void OnCallEnd(long callId) => Add("CallEnd", callId);

    /// <inheritdoc />
    public override void OnCallFailed(long callId, Exception exception) => Add("CallFailed", callId, exception.Message);

    /// <inheritdoc />
    public override void OnCanceled(long callId) => Add("Canceled", callId);

    private void Add(string name, long callId, string? detail = null)
    {
        var entry = new CallEvent(name, callId, TimeProvider.GetUtcNow(), detail);
        lock (_lock)
        {
            _events.Add(entry);
        }
    }
}
