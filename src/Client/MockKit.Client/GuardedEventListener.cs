using System.Net;

namespace MockKit.Client;

/// <summary>
/// Wraps the handler's <see cref="EventListener"/> so that an exception thrown by a callback never
/// escapes into the client: events are raised while the client holds state (an allocated exchange,
/// a connection being set up or released), and an exception unwinding through that code would leave
/// the pool counting a connection nobody owns. Each exception is reported through the pool's
/// <see cref="ConnectionPool.Log"/> (naming the event) and the call carries on.
/// </summary>
internal sealed class GuardedEventListener(EventListener inner, ConnectionPool pool) : EventListener
{
    internal override void AttachClock(TimeProvider timeProvider) => inner.AttachClock(timeProvider);

    public override void OnCallStart(long callId, HttpRequestMessage request)
    {
        try { inner.OnCallStart(callId, request); } catch (Exception e) { Report("CallStart", callId, e); }
    }

    public override void OnProxySelectStart(long callId, Uri url)
    {
        try { inner.OnProxySelectStart(callId, url); } catch (Exception e) { Report("ProxySelectStart", callId, e); }
    }

    public override void OnProxySelectEnd(long callId, Uri url, Uri? proxy)
    {
        try { inner.OnProxySelectEnd(callId, url, proxy); } catch (Exception e) { Report("ProxySelectEnd", callId, e); }
    }

    public override void OnDnsStart(long callId, string host)
    {
        try { inner.OnDnsStart(callId, host); } catch (Exception e) { Report("DnsStart", callId, e); }
    }

    public override void OnDnsEnd(long callId, string host, IReadOnlyList<IPAddress> addresses)
    {
        try { inner.OnDnsEnd(callId, host, addresses); } catch (Exception e) { Report("DnsEnd", callId, e); }
    }

    public override void OnConnectStart(long callId, Route route)
    {
        try { inner.OnConnectStart(callId, route); } catch (Exception e) { Report("ConnectStart", callId, e); }
    }

    public override void OnSecureConnectStart(long callId, Route route)
    {
        try { inner.OnSecureConnectStart(callId, route); } catch (Exception e) { Report("SecureConnectStart", callId, e); }
    }

    public override void OnSecureConnectEnd(long callId, Route route, TlsHandshake handshake)
    {
        try { inner.OnSecureConnectEnd(callId, route, handshake); } catch (Exception e) { Report("SecureConnectEnd", callId, e); }
    }

    public override void OnConnectEnd(long callId, Route route, Protocol protocol)
    {
        try { inner.OnConnectEnd(callId, route, protocol); } catch (Exception e) { Report("ConnectEnd", callId, e); }
    }

    public override void OnConnectFailed(long callId, Route route, Exception exception)
    {
        try { inner.OnConnectFailed(callId, route, exception); } catch (Exception e) { Report("ConnectFailed", callId, e); }
    }

    public override void OnConnectionAcquired(long callId, long connectionId, Route route, bool reused)
    {
        try { inner.OnConnectionAcquired(callId, connectionId, route, reused); } catch (Exception e) { Report("ConnectionAcquired", callId, e); }
    }

    public override void OnRequestHeadersStart(long callId)
    {
        try { inner.OnRequestHeadersStart(callId); } catch (Exception e) { Report("RequestHeadersStart", callId, e); }
    }

    public override void OnRequestHeadersEnd(long callId, HttpRequestMessage request)
    {
        try { inner.OnRequestHeadersEnd(callId, request); } catch (Exception e) { Report("RequestHeadersEnd", callId, e); }
    }

    public override void OnRequestBodyStart(long callId)
    {
        try { inner.OnRequestBodyStart(callId); } catch (Exception e) { Report("RequestBodyStart", callId, e); }
    }

    public override void OnRequestBodyEnd(long callId, long byteCount)
    {
        try { inner.OnRequestBodyEnd(callId, byteCount); } catch (Exception e) { Report("RequestBodyEnd", callId, e); }
    }

    public override void OnResponseHeadersStart(long callId)
    {
        try { inner.OnResponseHeadersStart(callId); } catch (Exception e) { Report("ResponseHeadersStart", callId, e); }
    }

    public override void OnResponseHeadersEnd(long callId, HttpResponseMessage response)
    {
        try { inner.OnResponseHeadersEnd(callId, response); } catch (Exception e) { Report("ResponseHeadersEnd", callId, e); }
    }

    public override void OnResponseBodyStart(long callId)
    {
        try { inner.OnResponseBodyStart(callId); } catch (Exception e) { Report("ResponseBodyStart", callId, e); }
    }

    public override void OnResponseBodyEnd(long callId, long byteCount)
    {
        try { inner.OnResponseBodyEnd(callId, byteCount); } catch (Exception e) { Report("ResponseBodyEnd", callId, e); }
    }

    public override void OnConnectionReleased(long callId, long connectionId)
    {
        try { inner.OnConnectionReleased(callId, connectionId); } catch (Exception e) { Report("ConnectionReleased", callId, e); }
    }

    public override void OnRetryDecision(long callId, Exception exception, bool retry)
    {
        try { inner.OnRetryDecision(callId, exception, retry); } catch (Exception e) { Report("RetryDecision", callId, e); }
    }

    public override void OnFollowUpDecision(long callId, HttpResponseMessage response, HttpRequestMessage? nextRequest)
    {
        try { inner.OnFollowUpDecision(callId, response, nextRequest); } catch (Exception e) { Report("FollowUpDecision", callId, e); }
    }

    public override void OnCallEnd(long callId)
    {
        try { inner.OnCallEnd(callId); } catch (Exception e) { Report("CallEnd", callId, e); }
    }

    public override void OnCallFailed(long callId, Exception exception)
    {
        try { inner.OnCallFailed(callId, exception); } catch (Exception e) { Report("CallFailed", callId, e); }
    }

    public override void OnCanceled(long callId)
    {
        try { inner.OnCanceled(callId); } catch (Exception e) { Report("Canceled", callId, e); }
    }

    private void Report(string eventName, long callId, Exception e) =>
        pool.WriteLog($"EventListener {inner.GetType().Name}.On{eventName} threw for call {callId} (ignored; listeners must not throw): {e}");
}
