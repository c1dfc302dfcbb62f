using System.Collections.Concurrent;

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
