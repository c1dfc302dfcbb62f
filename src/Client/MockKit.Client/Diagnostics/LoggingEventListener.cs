using System.Net;
using Microsoft.Extensions.Logging;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// Puts <see cref="InstrumentedHandler.Logger"/> in the event stream: every event goes to the
/// handler's own listener first, then becomes a <see cref="ClientLog"/> entry. Installed only
/// when a logger is set, so a handler without one pays nothing. URLs are logged redacted (see
/// <see cref="UriRedaction"/>) unless <paramref name="disableUriRedaction"/>; routes never show proxy credentials.
/// </summary>
internal sealed class LoggingEventListener(EventListener inner, ILogger logger, bool disableUriRedaction) : EventListener
{
    internal override void AttachClock(TimeProvider timeProvider) => inner.AttachClock(timeProvider);

    public override void OnCallStart(long callId, HttpRequestMessage request)
    {
        inner.OnCallStart(callId, request);
        if (logger.IsEnabled(LogLevel.Information))
        {
            ClientLog.CallStart(logger, callId, request.Method.Method, UriRedaction.Show(request.RequestUri, disableUriRedaction));
        }
    }

    public override void OnProxySelectStart(long callId, Uri url) => inner.OnProxySelectStart(callId, url);

    public override void OnProxySelectEnd(long callId, Uri url, Uri? proxy) => inner.OnProxySelectEnd(callId, url, proxy);

    public override void OnDnsStart(long callId, string host) => inner.OnDnsStart(callId, host);

    public override void OnDnsEnd(long callId, string host, IReadOnlyList<IPAddress> addresses)
    {
        inner.OnDnsEnd(callId, host, addresses);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ClientLog.DnsEnd(logger, callId, host, ClientLog.Join(addresses));
        }
    }

    public override void OnConnectStart(long callId, Route route)
    {
        inner.OnConnectStart(callId, route);
        ClientLog.ConnectStart(logger, callId, route);
    }

    public override void OnSecureConnectStart(long callId, Route route) => inner.OnSecureConnectStart(callId, route);

    public override void OnSecureConnectEnd(long callId, Route route, TlsHandshake handshake)
    {
        inner.OnSecureConnectEnd(callId, route, handshake);
        ClientLog.SecureConnectEnd(logger, callId, route, handshake);
    }

    public override void OnConnectEnd(long callId, Route route, Protocol protocol)
    {
        inner.OnConnectEnd(callId, route, protocol);
        ClientLog.ConnectEnd(logger, callId, route, protocol);
    }

    public override void OnConnectFailed(long callId, Route route, Exception exception)
    {
        inner.OnConnectFailed(callId, route, exception);
        ClientLog.ConnectFailed(logger, callId, route, exception);
    }

    public override void OnConnectionAcquired(long callId, long connectionId, Route route, bool reused)
    {
        inner.OnConnectionAcquired(callId, connectionId, route, reused);
        ClientLog.ConnectionAcquired(logger, callId, connectionId, route, reused);
    }

    public override void OnRequestHeadersStart(long callId) => inner.OnRequestHeadersStart(callId);

    public override void OnRequestHeadersEnd(long callId, HttpRequestMessage request)
    {
        inner.OnRequestHeadersEnd(callId, request);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            ClientLog.RequestHeadersEnd(logger, callId, request.Method.Method, UriRedaction.Show(request.RequestUri, disableUriRedaction), request.Version);
        }
    }

    public override void OnRequestBodyStart(long callId) => inner.OnRequestBodyStart(callId);

    public override void OnRequestBodyEnd(long callId, long byteCount)
    {
        inner.OnRequestBodyEnd(callId, byteCount);
        ClientLog.RequestBodyEnd(logger, callId, byteCount);
    }

    public override void OnResponseHeadersStart(long callId) => inner.OnResponseHeadersStart(callId);

    public override void OnResponseHeadersEnd(long callId, HttpResponseMessage response)
    {
        inner.OnResponseHeadersEnd(callId, response);
        ClientLog.ResponseHeadersEnd(logger, callId, (int)response.StatusCode, response.ReasonPhrase, response.Version);
    }

    public override void OnResponseBodyStart(long callId) => inner.OnResponseBodyStart(callId);

    public override void OnResponseBodyEnd(long callId, long byteCount)
    {
        inner.OnResponseBodyEnd(callId, byteCount);
        ClientLog.ResponseBodyEnd(logger, callId, byteCount);
    }

    public override void OnConnectionReleased(long callId, long connectionId)
    {
        inner.OnConnectionReleased(callId, connectionId);
        ClientLog.ConnectionReleased(logger, callId, connectionId);
    }

    public override void OnRetryDecision(long callId, Exception exception, bool retry)
    {
        inner.OnRetryDecision(callId, exception, retry);
        ClientLog.RetryDecision(logger, callId, retry, exception);
    }

    public override void OnFollowUpDecision(long callId, HttpResponseMessage response, HttpRequestMessage? nextRequest)
    {
        inner.OnFollowUpDecision(callId, response, nextRequest);
        if (nextRequest is not null)
        {
            ClientLog.FollowUp(logger, callId, (int)response.StatusCode, nextRequest.Method.Method, nextRequest.RequestUri);
        }
    }

    public override void OnCallEnd(long callId)
    {
        inner.OnCallEnd(callId);
        ClientLog.CallEnd(logger, callId);
    }

    public override void OnCallFailed(long callId, Exception exception)
    {
        inner.OnCallFailed(callId, exception);
        ClientLog.CallFailed(logger, callId, exception);
    }

    public override void OnCanceled(long callId)
    {
        inner.OnCanceled(callId);
        ClientLog.Canceled(logger, callId);
    }
}
