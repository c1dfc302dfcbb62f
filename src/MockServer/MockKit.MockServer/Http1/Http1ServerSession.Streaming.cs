using System.Net;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http1;

/// <summary>
/// The body as it arrives (IExchangeTransport.OpenBodyFlow), for a duplex handler or a streaming
/// dispatcher: read from the socket into the record and into a <see cref="RequestBodyPipe"/> whose
/// reader the pipeline hands on. The pipeline records the request when the body ended.
/// </summary>
internal sealed partial class Http1ServerSession
{
    /// <summary>Reads the body into the pipe and the record.</summary>
    /// <returns>Null when the body was read to its end; otherwise the failure to record.</returns>
    private async Task<Exception?> ReadFlowingBodyAsync(RequestBodyPipe pipe)
    {
        RequestBodyRead body;
        try
        {
            body = _body = await ReadBodyAsync(_framing, trigger: null, pipe).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            var broke = new IOException($"The request body broke off: {e.Message}", e);
            pipe.Complete(broke);
            return broke;
        }

        var failure = BodyFailure(body);
        if (failure is not null)
        {
            pipe.Complete(failure);
        }
        else
        {
            pipe.Complete();
        }

        return failure;
    }

    /// <summary>The failure a body read ended with: malformed chunk framing, or the client closed before its end.</summary>
    private Exception? BodyFailure(RequestBodyRead body) =>
        body.ParseError is { } parseError ? new ProtocolViolationException(parseError.Message)
            : body.Truncated ? new IOException($"The client closed the connection after {body.Recorder.Size} body bytes{(_framing.Length > 0 ? $" of {_framing.Length}" : string.Empty)}.")
            : null;
}
