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
    /// HTTP/2: whether the server's preface announces SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441
    /// section 3), letting clients bootstrap WebSockets with extended CONNECT. Always on; internal so
    /// tests can show that <c>:protocol</c> without it is a malformed request.
    /// </summary>
    internal bool Http2EnableConnectProtocol { get; init; } = true;
}
