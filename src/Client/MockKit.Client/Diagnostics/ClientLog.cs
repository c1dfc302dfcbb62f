using System.Net;
using Microsoft.Extensions.Logging;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// The handler's structured log entries (<see cref="InstrumentedHandler.Logger"/>): one event id
/// per call phase, message templates with named values. Traffic is Debug, a call's start and
/// end Information, failures Warning. The generated methods check <c>IsEnabled</c> first.
/// </summary>
internal static partial class ClientLog
{
    [LoggerMessage(1000, LogLevel.Information, "Call {CallId} started: {Method} {Url}")]
    public static partial void CallStart(ILogger logger, long callId, string method, string url);

    [LoggerMessage(1001, LogLevel.Debug, "Call {CallId}: resolved {Host} to {Addresses}")]
    public static partial void DnsEnd(ILogger logger, long callId, string host, string addresses);

    [LoggerMessage(1002, LogLevel.Debug, "Call {CallId}: connecting to {Route}")]
    public static partial void ConnectStart(ILogger logger, long callId, Route route);

    [LoggerMessage(1003, LogLevel.Debug, "Call {CallId}: TLS with {Route}: {Handshake}")]
    public static partial void SecureConnectEnd(ILogger logger, long callId, Route route, TlsHandshake handshake);

    [LoggerMessage(1004, LogLevel.Debug, "Call {CallId}: connected to {Route} over {Protocol}")]
    public static partial void ConnectEnd(ILogger logger, long callId, Route route, Protocol protocol);

    [LoggerMessage(1005, LogLevel.Warning, "Call {CallId}: connecting to {Route} failed")]
    public static partial void ConnectFailed(ILogger logger, long callId, Route route, Exception exception);

    [LoggerMessage(1006, LogLevel.Debug, "Call {CallId}: acquired connection {ConnectionId} to {Route} (reused: {Reused})")]
    public static partial void ConnectionAcquired(ILogger logger, long callId, long connectionId, Route route, bool reused);

    [LoggerMessage(1007, LogLevel.Debug, "Call {CallId}: sent {Method} {Url} (HTTP/{Version})")]
    public static partial void RequestHeadersEnd(ILogger logger, long callId, string method, string url, Version version);

    [LoggerMessage(1008, LogLevel.Debug, "Call {CallId}: sent a request body of {ByteCount} bytes")]
    public static partial void RequestBodyEnd(ILogger logger, long callId, long byteCount);

    [LoggerMessage(1009, LogLevel.Debug, "Call {CallId}: received {StatusCode} {ReasonPhrase} (HTTP/{Version})")]
    public static partial void ResponseHeadersEnd(ILogger logger, long callId, int statusCode, string? reasonPhrase, Version version);

    [LoggerMessage(1010, LogLevel.Debug, "Call {CallId}: read a response body of {ByteCount} bytes")]
    public static partial void ResponseBodyEnd(ILogger logger, long callId, long byteCount);

    [LoggerMessage(1011, LogLevel.Debug, "Call {CallId}: released connection {ConnectionId}")]
    public static partial void ConnectionReleased(ILogger logger, long callId, long connectionId);

    [LoggerMessage(1012, LogLevel.Information, "Call {CallId} ended")]
    public static partial void CallEnd(ILogger logger, long callId);

    [LoggerMessage(1013, LogLevel.Warning, "Call {CallId} failed")]
    public static partial void CallFailed(ILogger logger, long callId, Exception exception);

    [LoggerMessage(1014, LogLevel.Information, "Call {CallId} was canceled")]
    public static partial void Canceled(ILogger logger, long callId);

    [LoggerMessage(1015, LogLevel.Information, "Call {CallId}: an exchange failed; retry: {Retry}")]
    public static partial void RetryDecision(ILogger logger, long callId, bool retry, Exception exception);

    [LoggerMessage(1016, LogLevel.Debug, "Call {CallId}: {StatusCode} is followed up by {Method} {Url}")]
    public static partial void FollowUp(ILogger logger, long callId, int statusCode, string method, Uri? url);

    public static string Join(IReadOnlyList<IPAddress> addresses) => string.Join(", ", addresses);
}
