namespace MockKit.Client;

/// <summary>
/// The server reset the HTTP/2 stream that carried a request (RST_STREAM, RFC 9113 section 6.4)
/// with a code other than REFUSED_STREAM (which <see cref="InstrumentedHandler"/> retries on a
/// new stream, because the server guarantees the request was not processed; section 8.7).
/// Thrown by <c>SendAsync</c> when the reset arrives before the response headers; a reset during
/// the response body surfaces as an <see cref="HttpIOException"/> with this exception inside.
/// </summary>
public sealed class Http2StreamResetException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode">The code the server sent.</param>
    /// <param name="message">What happened, naming the stream and the route.</param>
    public Http2StreamResetException(Http2ErrorCode errorCode, string message)
        : base(HttpRequestError.HttpProtocolError, message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The RST_STREAM error code (RFC 9113 section 7).</summary>
    public Http2ErrorCode ErrorCode { get; }
}
