using System.Net;

namespace MockKit.Client;

/// <summary>
/// Receives one callback per phase of every call an <see cref="InstrumentedHandler"/> makes,
/// in the order the phases happen (OkHttp's <c>EventListener</c> model). Every method is a
/// no-op here; override the ones you need. Callbacks run on the thread doing the work, never
/// under a lock; they must be fast and thread-safe (calls run concurrently) and must not throw.
/// </summary>
/// <remarks>
/// A fresh call runs: CallStart, ProxySelectStart, ProxySelectEnd, DnsStart, DnsEnd,
/// ConnectStart, [SecureConnectStart, SecureConnectEnd], ConnectEnd, ConnectionAcquired,
/// RequestHeadersStart, RequestHeadersEnd, [RequestBodyStart, RequestBodyEnd],
/// ResponseHeadersStart, ResponseHeadersEnd, FollowUpDecision, ResponseBodyStart, ResponseBodyEnd,
/// ConnectionReleased, CallEnd. A call on a pooled connection skips proxy selection, DNS and
/// connect. A redirect or proxy-auth follow-up repeats from ConnectionAcquired after its
/// FollowUpDecision (with the first response's body events and ConnectionReleased in between); a
/// failed exchange raises ConnectionReleased then RetryDecision, and a replay repeats from
/// ConnectionAcquired (or ConnectStart). The body events fire as the caller reads the content, so CallEnd comes when the
/// response body is consumed or disposed, not when <c>SendAsync</c> returns.
/// <para><b>Exceptions.</b> A callback that throws does not change the call or the pool: the
/// client catches the exception, reports it through <see cref="ConnectionPool.Log"/> (by default
/// <see cref="System.Diagnostics.Trace"/>) naming the event, the listener type and the call id, and
/// carries on as if the callback had returned. Events are raised while the client holds state (an
/// allocated connection, a half-made connection, a release in progress); an exception unwinding
/// through that code could otherwise leave the pool counting a connection nobody owns. To fail a
/// test from a listener, record the problem and assert on it after the call.</para>
/// </remarks>
public abstract class EventListener
{
    /// <summary>A listener that ignores everything (the default).</summary>
    public static EventListener None { get; } = new NoneListener();

    /// <summary>Called once when a handler using this listener freezes its settings: gives the listener the handler's clock.</summary>
    internal virtual void AttachClock(TimeProvider timeProvider)
    {
    }

    /// <summary>A call (one <c>SendAsync</c>) started.</summary>
    public virtual void OnCallStart(long callId, HttpRequestMessage request) { }

    /// <summary>The proxy for <paramref name="url"/> is about to be chosen.</summary>
    public virtual void OnProxySelectStart(long callId, Uri url) { }

    /// <summary>The proxy was chosen: <paramref name="proxy"/> is null for a direct connection.</summary>
    public virtual void OnProxySelectEnd(long callId, Uri url, Uri? proxy) { }

    /// <summary>A DNS lookup of <paramref name="host"/> started.</summary>
    public virtual void OnDnsStart(long callId, string host) { }

    /// <summary>A DNS lookup of <paramref name="host"/> returned <paramref name="addresses"/>.</summary>
    public virtual void OnDnsEnd(long callId, string host, IReadOnlyList<IPAddress> addresses) { }

    /// <summary>A socket connect to <paramref name="route"/> started.</summary>
    public virtual void OnConnectStart(long callId, Route route) { }

    /// <summary>A TLS handshake with the origin started.</summary>
    public virtual void OnSecureConnectStart(long callId, Route route) { }

    /// <summary>A TLS handshake with the origin completed.</summary>
    public virtual void OnSecureConnectEnd(long callId, Route route, TlsHandshake handshake) { }

    /// <summary>A connection to <paramref name="route"/> is ready (after any tunnel and TLS).</summary>
    public virtual void OnConnectEnd(long callId, Route route, Protocol protocol) { }

    /// <summary>Connecting to <paramref name="route"/> failed; another route may follow.</summary>
    public virtual void OnConnectFailed(long callId, Route route, Exception exception) { }

    /// <summary>The call got connection <paramref name="connectionId"/> for its next exchange.</summary>
    public virtual void OnConnectionAcquired(long callId, long connectionId, Route route, bool reused) { }

    /// <summary>The request head is about to be written.</summary>
    public virtual void OnRequestHeadersStart(long callId) { }

    /// <summary>The request head was written.</summary>
    public virtual void OnRequestHeadersEnd(long callId, HttpRequestMessage request) { }

    /// <summary>The request body is about to be written.</summary>
    public virtual void OnRequestBodyStart(long callId) { }

    /// <summary>The request body was written: <paramref name="byteCount"/> content bytes.</summary>
    public virtual void OnRequestBodyEnd(long callId, long byteCount) { }

    /// <summary>Waiting for the response head started.</summary>
    public virtual void OnResponseHeadersStart(long callId) { }

    /// <summary>The (final) response head was read.</summary>
    public virtual void OnResponseHeadersEnd(long callId, HttpResponseMessage response) { }

    /// <summary>Reading the response body started.</summary>
    public virtual void OnResponseBodyStart(long callId) { }

    /// <summary>The response body ended (read to the end, or discarded): <paramref name="byteCount"/> content bytes read.</summary>
    public virtual void OnResponseBodyEnd(long callId, long byteCount) { }

    /// <summary>The call gave connection <paramref name="connectionId"/> back.</summary>
    public virtual void OnConnectionReleased(long callId, long connectionId) { }

    /// <summary>
    /// An exchange of the call failed with <paramref name="exception"/> and the handler decided
    /// whether to replay the request (<paramref name="retry"/>): true when it goes out again on
    /// another (or a fresh) connection, false when the call fails with it. Raised once per failed
    /// exchange, between that exchange's ConnectionReleased and the next ConnectionAcquired (or
    /// CallFailed). OkHttp 5's <c>retryDecisionFailed</c>/<c>retryDecision</c>.
    /// </summary>
    /// <remarks>A replay happens only when <see cref="InstrumentedHandler.RetryOnConnectionFailure"/> is on,
    /// the request body can be sent again, no response byte arrived, at most
    /// <c>3</c> times per call, and the connection was reused, another route remains, or the server
    /// said it did not process the request (HTTP/2 GOAWAY or REFUSED_STREAM).</remarks>
    public virtual void OnRetryDecision(long callId, Exception exception, bool retry) { }

    /// <summary>
    /// A response arrived and the handler decided whether it needs a follow-up request (a redirect
    /// when <see cref="InstrumentedHandler.FollowRedirects"/> is on, or a 407 answered from the
    /// proxy's credentials): <paramref name="nextRequest"/> is the request it sends next, or null when
    /// <paramref name="response"/> is the call's final response. Raised once per response head, after
    /// ResponseHeadersEnd. OkHttp 5's <c>followUpDecision</c>.
    /// </summary>
    public virtual void OnFollowUpDecision(long callId, HttpResponseMessage response, HttpRequestMessage? nextRequest) { }

    /// <summary>The call completed: its final response body was consumed or disposed.</summary>
    public virtual void OnCallEnd(long callId) { }

    /// <summary>The call failed with <paramref name="exception"/>.</summary>
    public virtual void OnCallFailed(long callId, Exception exception) { }

    /// <summary>The call was cancelled (by its token or its call timeout); CallFailed follows.</summary>
    public virtual void OnCanceled(long callId) { }

    private sealed class NoneListener : EventListener
    {
    }
}
