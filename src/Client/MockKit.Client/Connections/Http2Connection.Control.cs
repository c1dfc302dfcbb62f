using MockKit.Http2;
using MockKit.Http2.Connection;

namespace MockKit.Client.Connections;

// The client role's part of the control frames (the shared Http2ConnectionCore applies SETTINGS,
// answers PING, keeps the connection window and sizes the streams' windows): RST_STREAM (section 6.4),
// what the server's SETTINGS mean to the pool (6.5), GOAWAY (6.8). Each decides
// under _lock and completes tasks, fails streams and calls the pool after releasing it.
internal sealed partial class Http2Connection
{
    Exception IHttp2ConnectionListener.OnReset(Http2Stream received, Http2ErrorCode code, bool closedByIt)
    {
        // The core found the stream, closed it and took it out of the table; it aborts the request
        // body's send window with what this returns.
        var stream = (Http2ClientStream)received;
        if (code == Http2ErrorCode.NoError && stream.Body.HasEnded)
        {
            // Section 8.1: after a complete response, RST_STREAM(NO_ERROR) asks us to stop sending the
            // request body; the response stands.
            return new OperationCanceledException($"The server completed stream {stream.Id} before the request body was sent.");
        }

        Exception failure = code == Http2ErrorCode.RefusedStream && !stream.ResponseStarted
            ? NotProcessed($"the server refused stream {stream.Id} (REFUSED_STREAM)")
            : new Http2StreamResetException(code, $"The server reset stream {stream.Id} on {Route} with {code}.");
        ReturnCredit(stream.Fail(failure));
        return failure;
    }

    void IHttp2ConnectionListener.OnStreamError(Http2StreamException e, Http2Stream? received, bool inTable)
    {
        if (received is not Http2ClientStream stream)
        {
            _core.QueueResetReply(e.StreamId, e.ErrorCode); // A stream no longer in the table: the RST_STREAM alone.
            return;
        }

        // A stream the frame in error closed (END_STREAM took it out of the table) gets no RST_STREAM:
        // section 5.1 allows nothing but PRIORITY on a closed stream. Its caller must fail, not wait.
        if (inTable)
        {
            QueueReset(stream, e.ErrorCode);
        }

        ReturnCredit(stream.Fail(ProtocolFailure(e)));
    }

    private ExchangeException ProtocolFailure(Http2StreamException e) =>
        new($"Protocol error on stream {e.StreamId} from {Route}: {e.Message}", e, HttpRequestError.HttpProtocolError, beforeResponseBytes: false);

    /// <summary>Unread bytes of an abandoned stream go back to the connection window.</summary>
    private void ReturnCredit(int bytes)
    {
        if (bytes > 0)
        {
            _core.ReturnConnectionCredit(bytes);
        }
    }

    void IHttp2ConnectionListener.OnPeerSettings()
    {
        // The pool reads AllocationLimit under its lock on every allocation: a lower limit pushes new
        // calls to another connection from now on; streams already allocated above it may be refused
        // (REFUSED_STREAM) and are then retried.
        _maxConcurrentStreams = (int)Math.Min(_core.PeerSettings.MaxConcurrentStreams, int.MaxValue);
    }

    void IHttp2ConnectionListener.OnGoAway(Http2GoAwayPayload goAway)
    {
        // The core recorded it (no new streams from now on, the lowest last stream id).
        List<Http2ClientStream> unprocessed = [];
        lock (_lock)
        {
            _goAwayDescription = goAway.Describe();
            var last = _core.PeerGoAwayLastStreamId;
            foreach (var stream in _streams.Values)
            {
                if (stream.Id > last)
                {
                    unprocessed.Add(stream);
                }
            }

            foreach (var stream in unprocessed)
            {
                _streams.Remove(stream.Id);
            }
        }

        // Section 6.8: streams above the last stream id were not processed and may be retried on a
        // new connection; the ones at or below it complete normally.
        _pool.MarkNoNewExchanges(this);
        foreach (var stream in unprocessed)
        {
            ReturnCredit(stream.Fail(NotProcessed($"GOAWAY({goAway.ErrorCode}) with last stream {goAway.LastStreamId} arrived before stream {stream.Id} was processed")));
        }
    }
}
