using System.Buffers;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Exchanges;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The reader loop's request side: field blocks (decoded, validated, new streams opened or refused,
/// trailers), DATA (flow control charged and credited back as the body is recorded), and the
/// start of each stream's exchange task.
/// </summary>
internal sealed partial class Http2ServerSession
{
    /// <summary>A complete request (or trailer) field block arrived, decoded by the core: open or finish the stream.</summary>
    void IHttp2ConnectionListener.OnFieldBlock(in Http2FrameHeader first, Http2Stream? stream, int promisedStreamId, List<HpackHeaderField> fields, HpackHeaderListTooLargeException? tooLarge)
    {
        // An HPACK bomb (a list many times the limit) already ended the connection in the core.
        var id = first.StreamId;
        // The core did the lookup: null is a new stream on an idle id; otherwise these are trailers,
        // already checked for END_STREAM and content-length (section 8.1) and the state moved.
        if (stream is null)
        {
            OpenStream(id, first.HasFlag(Http2FrameFlags.EndStream), fields, tooLarge);
        }
        else
        {
            OnTrailers((Http2ServerStream)stream, fields);
        }
    }

    private void OpenStream(int id, bool endStream, List<HpackHeaderField> fields, Exception? tooLarge)
    {
        var sequence = _connection.NextSequenceNumber();
        Http2ServerStream stream;
        string? refusal;
        lock (_lock)
        {
            _streams.OnPeerStreamOpened(id);
            var state = new Http2StreamStateMachine(id);
            state.OnReceive(Http2FrameType.Headers, endStream);
            stream = new Http2ServerStream(this, id, sequence, state, _streams.PeerInitialWindowSize, endStream ? -1 : _streams.LocalInitialWindowSize, _server.BodyLimit)
            {
                RequestEnded = endStream,
                HeadReceived = true, // A further field block is trailers (section 8.1).
            };

            // A body that may go to a streaming dispatcher is piped from its first DATA frame on
            // (the exchange starts later, on another thread); the exchange detaches it if not.
            if (_server.MayStreamRequests)
            {
                stream.BodyPipe = NewBodyPipe(stream);
                if (endStream)
                {
                    stream.BodyPipe.Complete(); // No body: the dispatcher reads its end at once.
                }
            }
            refusal = _core.GoingAway ? "the connection is shutting down (GOAWAY)"
                : _activeClientStreams >= _maxConcurrentStreams ? $"SETTINGS_MAX_CONCURRENT_STREAMS is {_maxConcurrentStreams}"
                : null;
            if (refusal is null)
            {
                _streams.Add(stream);
                _activeClientStreams++;
            }
        }

        Http2RequestHead? partial = null;
        try
        {
            stream.Head = _heads.Parse(id, fields, out partial, _server.Http2EnableConnectProtocol);
            stream.DeclaredContentLength = stream.Head.ContentLength ?? -1; // Section 8.1.1, checked by the core as DATA arrives.
            if (endStream && !stream.ContentLengthHolds(endStream: true))
            {
                // Section 8.1.1: END_STREAM on the HEADERS means no content at all, so a non-zero
                // content-length is malformed here; no DATA frame will come for the core to check.
                throw stream.ContentLengthMismatch(id, "request");
            }
        }
        catch (Http2StreamException e)
        {
            stream.Head = partial ?? new Http2RequestHead();
            RejectNewStream(stream, refusal is null, Http2ErrorCode.ProtocolError, new System.Net.ProtocolViolationException(e.Message));
            return;
        }

        if (refusal is not null)
        {
            // Section 5.1.2: a stream over the limit is refused with REFUSED_STREAM (safe to retry, section 8.7).
            RejectNewStream(stream, false, Http2ErrorCode.RefusedStream, new IOException($"Stream {id} refused: {refusal}."));
            return;
        }

        if (tooLarge is not null)
        {
            RecordFailure(stream, new System.Net.ProtocolViolationException(
                $"The request header list exceeds MaxRequestHeadBytes ({_server.MaxRequestHeadBytes}): {tooLarge.Message}"));
            StartExchange(stream, tooLarge: true);
            return;
        }

        // Responses are handed out in the order HEADERS arrive, decided here on the reader: the
        // exchanges run on the thread pool, whose order is not the wire's, so two streams opened
        // back to back would otherwise take the next two responses either way round. A dispatcher
        // whose claim runs user code is claimed in the exchange instead (user code never runs here).
        stream.ArrivalClaim = ServerExchange.ClaimOnArrival(stream);

        AttachTunnelPipe(stream, endStream);
        StartExchange(stream, tooLarge: false);
    }

    // A method of its own: the lambda's closure would otherwise be made for every stream OpenStream opens.
    private Streaming.RequestBodyPipe NewBodyPipe(Http2ServerStream stream) =>
        new(pauses: false, onConsumed: n => OnStreamBodyConsumed(stream, n));

    /// <summary>
    /// A malformed or refused new stream: counted as a reset (the flood guard may end the connection
    /// here, before the stream is recorded), then recorded with the failure, reset, forgotten.
    /// </summary>
    private void RejectNewStream(Http2ServerStream stream, bool wasAdded, Http2ErrorCode code, Exception failure)
    {
        lock (_lock)
        {
            if (wasAdded && _streams.Remove(stream.Id))
            {
                _activeClientStreams--;
            }
        }

        try
        {
            _resets.Count();
        }
        catch (Http2ConnectionException)
        {
            stream.Lifetime.Dispose();
            throw;
        }

        RecordFailure(stream, failure);
        QueueReset(stream.Id, code, stream);
        stream.Lifetime.Dispose();
    }

    private void StartExchange(Http2ServerStream stream, bool tooLarge)
    {
        // On the thread pool: the exchange runs dispatchers and policies, which must never run on
        // the reader loop. The stream itself is the work item (Http2ServerStream.QueueExchange), so
        // starting an exchange allocates nothing (Task.Factory.StartNew made a Task<Task> per
        // stream); counted until it runs, so the session's end can wait for it (EndAsync).
        lock (_lock)
        {
            _exchangesStarting++;
        }

        stream.QueueExchange(tooLarge);
    }

    /// <summary>A thread-pool thread: runs the exchange queued by <see cref="StartExchange"/> and keeps its task while it runs.</summary>
    internal void RunQueuedExchange(Http2ServerStream stream, bool tooLarge)
    {
        Task task;
        try
        {
            task = tooLarge ? TooLargeAsync(stream) : RunExchangeAsync(stream);
        }
        catch (Exception e)
        {
            // Nothing may escape a work item (it would end the process): the exchange's own catch ladder.
            OnExchangeFailed(stream, e);
            OnExchangeEnded(stream);
            task = Task.CompletedTask;
        }

        TaskCompletionSource? started = null;
        lock (_lock)
        {
            // An exchange that already ended (OnExchangeEnded took the stream out) is not kept.
            if (!task.IsCompleted && _streams.ContainsKey(stream.Id))
            {
                _exchanges[stream.Id] = task;
            }

            if (--_exchangesStarting == 0)
            {
                started = _exchangesStarted;
                _exchangesStarted = null;
            }
        }

        started?.TrySetResult();
    }

    private void OnTrailers(Http2ServerStream stream, List<HpackHeaderField> fields)
    {
        var trailers = Http2RequestHead.ParseTrailers(stream.Id, fields);
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            stream.Trailers = trailers;
            stream.RequestEnded = true;
            waiter = stream.TakeWaiterIfSatisfied();
        }

        waiter?.TrySetResult();
    }

    /// <summary>
    /// DATA for a request stream, already through the core (state, windows, padding credited,
    /// empty-DATA flood, content-length): record it, and pipe it to a streaming dispatcher.
    /// </summary>
    void IHttp2ConnectionListener.OnData(Http2Stream received, in ReadOnlySequence<byte> data, bool endStream)
    {
        var stream = (Http2ServerStream)received;

        // Recording is consuming: the connection's credit goes back at once (section 6.9.1).
        _core.ReturnConnectionCredit((int)data.Length);
        TaskCompletionSource? waiter;
        var streamCredit = 0;
        lock (_lock)
        {
            if (stream.ReadsBody)
            {
                stream.AppendBody(data);
                if (stream.BodyPipe is { } pipe && pipe.TryWrite(data))
                {
                    // Streamed: the data's credit returns as the dispatcher reads it (section 5.2: a
                    // slow consumer holds the client back).
                }
                else if (!endStream)
                {
                    // Recording is consuming (section 5.2): give the stream its credit back.
                    streamCredit = stream.ReceiveWindow!.OnDataConsumed((int)data.Length);
                }
            }

            stream.RequestEnded |= endStream;
            waiter = stream.TakeWaiterIfSatisfied();
        }

        _core.QueueWindowUpdate(stream.Id, streamCredit, provoked: true);
        waiter?.TrySetResult();
    }

    /// <summary>A streaming dispatcher read (or dropped) <paramref name="count"/> body bytes: the stream's credit goes back (section 6.9).</summary>
    private void OnStreamBodyConsumed(Http2ServerStream stream, int count)
    {
        int credit;
        lock (_lock)
        {
            // Once the client ended its side (or the stream is gone) it sends no more DATA to credit.
            if (stream.RequestEnded || !_streams.ContainsKey(stream.Id))
            {
                return;
            }

            credit = stream.ReceiveWindow!.OnDataConsumed(count);
        }

        _core.QueueWindowUpdate(stream.Id, credit, provoked: true);
    }

    /// <summary>
    /// Takes the body pipe away from an exchange that does not stream (or ended): later DATA is only
    /// recorded and credited at once, and the bytes the pipe held are credited now.
    /// </summary>
    private void DetachBodyPipe(Http2ServerStream stream)
    {
        Streaming.RequestBodyPipe? pipe;
        lock (_lock)
        {
            pipe = stream.BodyPipe;
            stream.BodyPipe = null;
        }

        if (pipe is not null)
        {
            pipe.Complete();
            pipe.Reader.Dispose(); // Reports what it held as consumed: OnStreamBodyConsumed credits it.
        }
    }
}
