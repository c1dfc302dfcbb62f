using System.Diagnostics;

namespace MockKit.Http2;

/// <summary>
/// A stream error (RFC 9113 section 5.4.2): the endpoint answers with RST_STREAM on
/// <see cref="StreamId"/> carrying <see cref="ErrorCode"/>, and the connection carries on.
/// </summary>
public sealed class Http2StreamException : Exception
{
    /// <summary>Creates a stream error for the RST_STREAM frame to send.</summary>
    public Http2StreamException(int streamId, Http2ErrorCode code, string message)
        : base($"HTTP/2 stream {streamId} error ({code}): {message}")
    {
        Debug.Assert(streamId > 0, "Stream errors are about a stream; stream 0 errors are connection errors.");
        StreamId = streamId;
        ErrorCode = code;
    }

    /// <summary>The stream to reset.</summary>
    public int StreamId { get; }

    /// <summary>The error code for the RST_STREAM frame.</summary>
    public Http2ErrorCode ErrorCode { get; }
}
