namespace MockKit.MockServer.Streaming;

/// <summary>
/// One "headers first, body as a stream" dispatch in flight, the same for both protocols: the
/// dispatcher runs on the thread pool with the request head and the body pipe while the session
/// goes on receiving the body; the session then either completes it with the recorded request or
/// abandons it when the request broke off.
/// </summary>
internal sealed class StreamingDispatch : IDisposable
{
    private readonly RequestBodyPipe _pipe;
    private readonly StreamingRequest _request;
    private readonly CancellationTokenSource _cancel;
    private readonly Task<MockResponse> _dispatch;

    public StreamingDispatch(IStreamingDispatcher dispatcher, RecordedRequest head, RequestBodyPipe pipe, long bodyLimit, CancellationToken cancellationToken)
    {
        _pipe = pipe;
        _request = new StreamingRequest(head, pipe.Reader, bodyLimit);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Task.Run: the dispatcher runs while the session waits for (or reads) the body's end.
        var request = _request;
        var token = _cancel.Token;
        _dispatch = Task.Run(async () => await dispatcher.DispatchStreamingAsync(request, token).ConfigureAwait(false), CancellationToken.None);
    }

    /// <summary>
    /// The body ended and <paramref name="recorded"/> is recorded: the dispatcher's answer. The request
    /// is observed on <paramref name="server"/> once that answer (perhaps a 502 failing it) is known.
    /// </summary>
    public async Task<MockResponse> CompleteAsync(RecordedRequest recorded, MockWebServer server)
    {
        _request.Complete(recorded);
        MockResponse response;
        try
        {
            response = await _dispatch.ConfigureAwait(false);
        }
        catch
        {
            server.ObserveOutcome(recorded); // No answer will come: observe what is known.
            throw;
        }

        // A forward's answer is final here (a 502 has set the failure by now).
        server.ObserveOutcome(recorded);
        return response;
    }

    /// <summary>
    /// The request broke off: the dispatcher's reads fail, its wait for the record fails, it is
    /// cancelled, and its outcome no longer matters (the failure is the request's).
    /// </summary>
    public async Task AbandonAsync(Exception why, Action<string> log)
    {
        _pipe.Complete(why);
        _request.Fail(why);
        await _cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await _dispatch.ConfigureAwait(false);
        }
        catch (Exception ignored) when (ignored is not OutOfMemoryException)
        {
            log($"dispatch abandoned: {ignored.Message}");
        }
    }

    public void Dispose() => _cancel.Dispose();
}
