using System.Net;

namespace MockKit.MockServer.WebSockets;

/// <summary>A WebSocket opening handshake the server refuses, with the status it answers.</summary>
internal sealed class WebSocketHandshakeException(int statusCode, string message) : ProtocolViolationException(message)
{
    /// <summary>400, or 426 Upgrade Required for a version other than 13 (RFC 6455 section 4.4).</summary>
    public int StatusCode { get; } = statusCode;
}
