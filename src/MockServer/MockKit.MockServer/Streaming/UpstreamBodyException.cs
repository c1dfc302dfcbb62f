namespace MockKit.MockServer.Streaming;

/// <summary>
/// A relayed body could not be sent as declared: its source failed while being read, or it ended
/// before or ran past its declared <c>Content-Length</c>. The exchange is aborted (HTTP/1.1: the
/// connection closes, since the client's framing can no longer be trusted; HTTP/2: the stream is
/// reset with INTERNAL_ERROR) and the exception becomes the request's <see cref="RecordedRequest.Failure"/>.
/// </summary>
internal sealed class UpstreamBodyException(string message, Exception? innerException) : Exception(message, innerException);
