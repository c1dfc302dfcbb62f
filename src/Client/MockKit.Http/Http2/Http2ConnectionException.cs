namespace MockKit.Http2;

/// <summary>
/// A connection error (RFC 9113 section 5.4.1): the endpoint answers with GOAWAY carrying
/// <see cref="ErrorCode"/> and closes the connection.
/// </summary>
public sealed class Http2ConnectionException : Exception
{
    /// <summary>Creates a connection error with the code to put in GOAWAY.</summary>
    public Http2ConnectionException(Http2ErrorCode code, string message)
        : base($"HTTP/2 connection error ({code}): {message}")
    {
        ErrorCode = code;
    }

    /// <summary>Creates a connection error caused by another failure (e.g. an HPACK decoding error).</summary>
    public Http2ConnectionException(Http2ErrorCode code, string message, Exception innerException)
        : base($"HTTP/2 connection error ({code}): {message}", innerException)
    {
        ErrorCode = code;
    }

    /// <summary>The error code for the GOAWAY frame.</summary>
    public Http2ErrorCode ErrorCode { get; }
}
