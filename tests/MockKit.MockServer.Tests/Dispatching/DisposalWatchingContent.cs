using System.Net;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>A response body that says when it was disposed (the upstream response let go of).</summary>
internal sealed class DisposalWatchingContent(string text) : HttpContent
{
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Disposed => _disposed.Task;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text)).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = System.Text.Encoding.UTF8.GetByteCount(text);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        _disposed.TrySetResult();
        base.Dispose(disposing);
    }
}
