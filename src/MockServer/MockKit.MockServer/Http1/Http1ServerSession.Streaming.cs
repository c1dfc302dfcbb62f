using System.Net;
using MockKit.Http1;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http1;

/// <summary>
/// The "headers first, body as a stream" exchange (<see cref="IStreamingDispatcher"/>): the dispatcher
/// starts as soon as the head is complete and reads the body through a pipe this session fills as
/// the bytes arrive, while the body is also recorded as usual.
/// </summary>
internal sealed partial class Http1ServerSession
{
    /// <summary>Dispatches while the body streams; records the request once its body ended.</summary>
    /// <returns>The response, or null when the request broke off (already recorded, and answered if malformed).</returns>
    private async Task<MockResponse?> DispatchStreamingAsync(Http1RequestHead head, int sequence, Http1BodyFraming framing, IStreamingDispatcher dispatcher)
    {
        var pipe = new RequestBodyPipe(pauses: true, onConsumed: null);
        using var dispatch = new StreamingDispatch(dispatcher, Build(head, sequence, null, null), pipe, _server.BodyLimit, ShutdownToken);
        _connection.State = "reading a request body (streamed to the dispatcher)";
        RequestBodyRead body;
        try
        {
            body = await ReadBodyAsync(framing, trigger: null, pipe).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await dispatch.AbandonAsync(e, Log).ConfigureAwait(false);
            throw;
        }

        Exception? failure = body.ParseError is { } parseError ? new ProtocolViolationException(parseError.Message)
            : body.Truncated ? new IOException($"The client closed the connection after {body.Recorder.Size} body bytes{(framing.Length > 0 ? $" of {framing.Length}" : string.Empty)}.")
            : null;
        if (failure is not null)
        {
            RecordFailure(Build(head, sequence, body, failure));
            await dispatch.AbandonAsync(failure, Log).ConfigureAwait(false);
            if (body.ParseError is { } malformed)
            {
                await RejectAsync(malformed).ConfigureAwait(false);
            }

            return null;
        }

        pipe.Complete();
        var request = Build(head, sequence, body, null);
        _connection.RecordForDispatch(request);
        _connection.State = "dispatching";
        return await dispatch.CompleteAsync(request, _server).ConfigureAwait(false);

        void Log(string line) => _server.Log(_connection.Index, sequence, $"{line}");
    }
}
