namespace MockKit;

/// <summary>
/// The error codes of RFC 9113 section 7, carried by RST_STREAM and GOAWAY frames.
/// </summary>
public enum Http2ErrorCode : uint
{
    /// <summary>Graceful shutdown, or a stream closed without error (0x0).</summary>
    NoError = 0x0,

    /// <summary>An unspecific protocol error was detected (0x1).</summary>
    ProtocolError = 0x1,

    /// <summary>The endpoint encountered an unexpected internal error (0x2).</summary>
    InternalError = 0x2,

    /// <summary>The peer violated the flow-control protocol (0x3).</summary>
    FlowControlError = 0x3,

    /// <summary>A SETTINGS frame was not acknowledged in time (0x4).</summary>
    SettingsTimeout = 0x4,

    /// <summary>A frame was received after the stream was half-closed (0x5).</summary>
    StreamClosed = 0x5,

    /// <summary>A frame had an invalid size (0x6).</summary>
    FrameSizeError = 0x6,

    /// <summary>The stream was refused before any application processing (0x7); safe to retry.</summary>
    RefusedStream = 0x7,

    /// <summary>The stream is no longer needed (0x8).</summary>
    Cancel = 0x8,

    /// <summary>The field section compression context could not be maintained (0x9).</summary>
    CompressionError = 0x9,

    /// <summary>The connection for a CONNECT request was reset or abnormally closed (0xa).</summary>
    ConnectError = 0xa,

    /// <summary>The peer is generating excessive load (0xb).</summary>
    EnhanceYourCalm = 0xb,

    /// <summary>The transport does not meet minimum security requirements (0xc).</summary>
    InadequateSecurity = 0xc,

    /// <summary>The endpoint requires HTTP/1.1 instead of HTTP/2 (0xd).</summary>
    Http11Required = 0xd,
}
