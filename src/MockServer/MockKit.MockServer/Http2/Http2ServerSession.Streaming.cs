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
        using var dispatch = new StreamingDispatch(dispatcher, BuildHead(stream), pipe, _server.BodyLimit, ct);
        _connection.State = "HTTP/2: streaming a request body to the dispatcher";
        try
        {
            // Not the stream's token: a client reset completes the wait with a failure to record.
            await stream.WaitForBodyAsync(long.MaxValue, SessionToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await dispatch.AbandonAsync(e, StreamLog).ConfigureAwait(false);
            throw;
        }

        if (!RequestComplete(stream, out var failure) && failure is not null)
        {
            RecordFailure(stream, failure);
            await dispatch.AbandonAsync(failure, StreamLog).ConfigureAwait(false);
            return null;
        }

        var request = Build(stream, null);
        _connection.RecordForDispatch(request);
        _connection.State = "HTTP/2: dispatching";
        return await dispatch.CompleteAsync(request, _server).ConfigureAwait(false);

        void StreamLog(string line) => Log($"stream {stream.Id}: {line}");
    }
}
