namespace MockKit.Http2.Connection;

/// <summary>
/// The receive side of one HTTP/2 stream, the same for both roles: its receive window and the
/// accounting of RFC 9113 section 8.1.1 (the declared content-length against the DATA received).
/// <see cref="Http2ConnectionCore"/> charges and checks it on every DATA frame and trailer block;
/// a role's stream type derives from it and implements <see cref="IHttp2Stream"/> (its id, state
/// and send window, which each role opens its own way).
/// </summary>
/// <remarks>
/// Not a virtual member in sight: the DATA path reads and writes these fields directly. They are
/// written by the reader loop under the connection's stream lock, except <see cref="ReceiveWindow"/>'s
/// own credit accounting, which has its own lock.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "An HTTP/2 stream (RFC 9113 section 5), not a System.IO.Stream.")]
public abstract class Http2Stream
{
    /// <summary>The stream receive window (section 6.9): every DATA frame on the stream is charged to it; null until the stream is opened.</summary>
    public Http2InboundWindow? ReceiveWindow { get; set; }

    /// <summary>
    /// True once the final (non-1xx) head of the message arrived (for a server, the request HEADERS
    /// that opened the stream): a further field block is trailers, which must end the stream (section 8.1).
    /// </summary>
    public bool HeadReceived { get; set; }

    /// <summary>The message's content-length (section 8.1.1), or -1 when none is enforced (none, several, or not applicable).</summary>
    public long DeclaredContentLength { get; set; } = -1;

    /// <summary>DATA payload bytes received so far, padding excluded.</summary>
    public long ContentReceived { get; set; }

    /// <summary>
    /// Section 8.1.1: "A request or response is also malformed if the value of a content-length header
    /// field does not equal the sum of the DATA frame payload lengths that form the content." Before
    /// the end, more than declared is already malformed.
    /// </summary>
    /// <param name="endStream">True when the message has ended.</param>
    public bool ContentLengthHolds(bool endStream) =>
        DeclaredContentLength < 0
        || (endStream ? ContentReceived == DeclaredContentLength : ContentReceived <= DeclaredContentLength);

    /// <summary>The stream error for a message whose content does not match its content-length (section 8.1.1).</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="message">"request" or "response", for the text.</param>
    public Http2StreamException ContentLengthMismatch(int streamId, string message) =>
        new(streamId, Http2ErrorCode.ProtocolError, ContentReceived > DeclaredContentLength
            ? $"Malformed {message} (RFC 9113 section 8.1.1): DATA past its content-length of {DeclaredContentLength} bytes ({ContentReceived} received)."
            : $"Malformed {message} (RFC 9113 section 8.1.1): the stream ended after {ContentReceived} of its content-length of {DeclaredContentLength} bytes.");
}
