using System.Net;

namespace MockKit.MockServer.Streaming;

/// <summary>
/// A forwarded request's body as <see cref="HttpContent"/>: the incoming body stream copied to the
/// upstream as it arrives (never buffered whole). <see cref="Sent"/> completes when the handler
/// finished (or gave up) copying it. The body stream is not disposed by this content.
/// </summary>
internal sealed class StreamingRequestContent(Stream body, long? declaredLength) : HttpContent
{
    private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the upstream handler stopped reading the body, at its end or not.</summary>
    public Task Sent => _sent.Task;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sent.TrySetResult();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = declaredLength ?? 0;
        return declaredLength is not null;
    }

    protected override void Dispose(bool disposing)
    {
        _sent.TrySetResult();
        base.Dispose(disposing);
    }
}
