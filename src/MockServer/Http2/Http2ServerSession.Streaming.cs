using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The "headers first, body as a stream" exchange (<see cref="IStreamingDispatcher"/>) on a stream:
/// the dispatcher starts when the request HEADERS arrived and reads DATA through the stream's body
/// pipe (credit returned as it reads), while the body is also recorded as usual.
/// </summary>
internal sealed partial class Http2ServerSession
{
    /// <summary>Dispatches while the body streams; records the request once its body ended.</summary>
    /// <returns>The response, or null when the request broke off (already recorded).</returns>
    private async Task<MockResponse?> DispatchStreamingAsync(Http2ServerStream stream, RequestBodyPipe pipe, IStreamingDispatcher dispatcher, CancellationToken ct)
    {
        var streaming = new StreamingRequest(BuildHead(stream), pipe.Reader, _server.BodyLimit);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);

        // Task.Run: the dispatcher runs while this exchange waits for the body's end.
        var dispatch = Task.Run(async () => await dispatcher.DispatchStreamingAsync(streaming, cancel.Token).ConfigureAwait(false), CancellationToken.None);
        _connection.State = "HTTP/2: streaming a request body to the dispatcher";
        try
        {
            // Not the stream's token: a client reset completes the wait with a failure to record.
            await stream.WaitForBodyAsync(long.MaxValue, SessionToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await AbandonAsync(e).ConfigureAwait(false);
            throw;
        }

        if (!RequestComplete(stream, out var failure) && failure is not null)
        {
            RecordFailure(stream, failure);
            await AbandonAsync(failure).ConfigureAwait(false);
            return null;
        }

        var request = Build(stream, null);
        _connection.Record(request);
        streaming.Complete(request);
        _connection.State = "HTTP/2: dispatching";
        return await dispatch.ConfigureAwait(false);

        // The request broke off: the dispatcher's reads fail, its wait for the record fails, it is
        // cancelled, and its outcome no longer matters (the failure is the request's).
        async Task AbandonAsync(Exception why)
        {
            pipe.Complete(why);
            streaming.Fail(why);
            await cancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await dispatch.ConfigureAwait(false);
            }
            catch (Exception ignored) when (ignored is not OutOfMemoryException)
            {
                Log($"stream {stream.Id}: dispatch abandoned: {ignored.Message}");
            }
        }
    }
}
