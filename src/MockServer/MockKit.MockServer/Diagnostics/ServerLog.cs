using Microsoft.Extensions.Logging;

namespace MockKit.MockServer.Diagnostics;

/// <summary>
/// The server's structured log entries (<see cref="MockWebServer.Logger"/>). Every traffic-log line
/// is a Debug entry (2000); connections are Debug, requests and responses Information, failed
/// requests Warning, with named values (ConnectionIndex, SequenceNumber, Method, Target, StatusCode).
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(2000, LogLevel.Debug, "{Traffic}")]
    public static partial void Traffic(ILogger logger, string traffic);

    [LoggerMessage(2001, LogLevel.Debug, "Connection {ConnectionIndex} accepted from {RemoteEndPoint}")]
    public static partial void ConnectionAccepted(ILogger logger, int connectionIndex, string? remoteEndPoint);

    [LoggerMessage(2002, LogLevel.Debug, "Connection {ConnectionIndex} closed")]
    public static partial void ConnectionClosed(ILogger logger, int connectionIndex);

    [LoggerMessage(2003, LogLevel.Information, "Connection {ConnectionIndex} #{SequenceNumber}: {Method} {Target} ({Protocol})")]
    public static partial void RequestReceived(ILogger logger, int connectionIndex, int sequenceNumber, string method, string target, Protocol protocol);

    [LoggerMessage(2004, LogLevel.Warning, "Connection {ConnectionIndex} #{SequenceNumber}: {RequestLine} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, int connectionIndex, int sequenceNumber, string requestLine, string reason, Exception failure);

    [LoggerMessage(2005, LogLevel.Information, "Connection {ConnectionIndex} #{SequenceNumber}: responded {StatusCode} ({Protocol})")]
    public static partial void ResponseSent(ILogger logger, int connectionIndex, int sequenceNumber, int statusCode, Protocol protocol);
}
