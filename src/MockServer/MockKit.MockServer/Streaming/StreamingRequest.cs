namespace MockKit.MockServer.Streaming;

/// <summary>
/// A request handed to an <see cref="IStreamingDispatcher"/> before its body was read: the head, the
/// body as it arrives, and the recorded request once the body ended.
/// </summary>
/// <param name="head">The request as known from its head (empty body).</param>
/// <param name="body">The body as it arrives; a read fails with an <see cref="IOException"/> if the request broke off.</param>
/// <param name="bodyLimit">The server's <see cref="MockWebServer.BodyLimit"/>, for records the dispatcher keeps itself.</param>
internal sealed class StreamingRequest(RecordedRequest head, Stream body, long bodyLimit)
{
    private readonly TaskCompletionSource<RecordedRequest> _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecordedRequest Head { get; } = head;

    public Stream Body { get; } = body;

    public long BodyLimit { get; } = bodyLimit;

    /// <summary>
    /// Completes with the request as recorded (complete body up to the limit, exact size) when the
    /// body ended; faults when the request broke off (it is then recorded with its failure).
    /// </summary>
    public Task<RecordedRequest> Recorded => _recorded.Task;

    internal void Complete(RecordedRequest request) => _recorded.TrySetResult(request);

    internal void Fail(Exception failure)
    {
        _recorded.TrySetException(failure);

        // Observed here so a dispatcher that already gave up does not leave an unobserved fault.
        _ = _recorded.Task.Exception;
    }
}
