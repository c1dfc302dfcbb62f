namespace MockKit.MockServer;

/// <summary>HTTP/2 settings the server announces and enforces.</summary>
public sealed partial class MockWebServer
{
    /// <summary>
    /// HTTP/2: SETTINGS_MAX_CONCURRENT_STREAMS the server announces and enforces; 100 by default
    /// (RFC 9113 section 6.5.2 recommends no less than 100); range 0..2^31-1. A client stream beyond
    /// it is refused with RST_STREAM(REFUSED_STREAM) (section 5.1.2) and recorded with a failure.
    /// </summary>
    public int Http2MaxConcurrentStreams
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 100;

    /// <summary>
    /// HTTP/2: SETTINGS_INITIAL_WINDOW_SIZE the server announces for request bodies; 65535 (the RFC
    /// default) by default; range 0..2^31-1. Credit is returned with WINDOW_UPDATE as bodies are recorded.
    /// </summary>
    public int Http2InitialWindowSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 65_535;

    /// <summary>
    /// HTTP/2: SETTINGS_MAX_FRAME_SIZE the server accepts; 16384 (the RFC default) by default;
    /// range 16384..16777215. A larger inbound frame is a connection error FRAME_SIZE_ERROR.
    /// </summary>
    public int Http2MaxFrameSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 16_384);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 16_777_215);
            field = value;
        }
    } = 16_384;

    /// <summary>
    /// HTTP/2: whether the server supports WebSockets over HTTP/2 (RFC 8441); true by default. When true
    /// the server's preface announces SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 section 3) and a
    /// client may open a WebSocket with an extended CONNECT (<c>:protocol websocket</c>, section 4),
    /// answered by <see cref="MockResponse.WebSocketHandler"/>.
    /// </summary>
    /// <remarks>
    /// <para>Set it to false to test a client against an HTTP/2 server without RFC 8441 support: the
    /// preface then leaves the setting out (the RFC default, 0), so a well-behaved client must not send an
    /// extended CONNECT and either falls back to an HTTP/1.1 upgrade (RFC 6455, over a connection that
    /// offers <c>http/1.1</c>) or fails. A client that sends one anyway sends a malformed request (RFC 9113
    /// section 8.1.1): the server resets that stream with RST_STREAM(PROTOCOL_ERROR) and records the
    /// request with its <see cref="RecordedRequest.Failure"/> saying so, without dispatching it (no queued
    /// response is used). That is a stream error (RFC 9113 section 5.4.2): the connection and its other
    /// streams carry on, though the reset counts towards the server's reset-flood limit like any other.
    /// HTTP/1.1 upgrades are not affected.</para>
    /// </remarks>
    public bool Http2EnableConnectProtocol { get; init; } = true;

    /// <summary>
    /// Test seam: called with the connection index and stream id once an HTTP/2 exchange ended and its
    /// stream left the session's stream table (on the exchange's thread, no lock held).
    /// </summary>
    internal Action<int, int>? Http2StreamForgotten { get; set; }
}
