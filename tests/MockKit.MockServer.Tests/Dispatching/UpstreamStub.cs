using System.Collections.Concurrent;
using System.Net;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// An upstream handler answered by a lambda, keeping every request it was sent: for forwarding tests
/// that need to see exactly what went upstream, or to return a response the test can watch.
/// </summary>
internal sealed class UpstreamStub(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<HttpRequestMessage> Requests { get; } = new();

    /// <summary>Completes when the first request arrived.</summary>
    public Task Called => _called.Task;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        var response = respond(request);
        _called.TrySetResult();
        return Task.FromResult(response);
    }
}

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
