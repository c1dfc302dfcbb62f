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
    void IHttp2ConnectionListener.OnFieldBlock(in Http2FrameHeader first, int promisedStreamId, List<HpackHeaderField> fields, HpackHeaderListTooLargeException? tooLarge)
    {
        var id = first.StreamId;
        var endStream = first.HasFlag(Http2FrameFlags.EndStream);
        if (tooLarge is not null && tooLarge.Size > 16 * tooLarge.Limit)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"A field block on stream {id} decodes to {tooLarge.Size} bytes of fields (limit {tooLarge.Limit}): an HPACK bomb.", tooLarge);
        }

        Http2ServerStream? stream;
        bool isNew;
        lock (_lock)
        {
            isNew = _streams.IsIdle(id);
            _streams.TryGetValue(id, out stream);
            if (!isNew && stream is null)
            {
                switch (_resetStreams.Of(id))
                {
                    case Http2ResetStreams.ResetBy.Us:
                        return; // Section 5.1: frames after our RST_STREAM are ignored.
                    case Http2ResetStreams.ResetBy.Peer:
                        // Section 5.1: "any frame other than PRIORITY after receiving a RST_STREAM" is a stream error.
                        throw new Http2StreamException(id, Http2ErrorCode.StreamClosed, $"HEADERS on stream {id} after the client reset it.");
                }

                // Section 5.1: a HEADERS frame on a closed stream; section 5.1.1 makes lower unused ids closed too.
                throw new Http2ConnectionException(Http2ErrorCode.StreamClosed, $"HEADERS on closed stream {id}.");
            }
        }

        if (isNew)
        {
            OpenStream(id, endStream, fields, tooLarge);
        }
        else
        {
            OnTrailers(stream!, endStream, fields);
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
            stream = new Http2ServerStream(this, id, sequence, state, _streams.PeerInitialWindowSize, _core.LocalSettings.InitialWindowSize, _server.BodyLimit)
            {
                RequestEnded = endStream,
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
            refusal = _goAwaySent || _peerGoAway ? "the connection is shutting down (GOAWAY)"
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
            stream.Head = Http2RequestHead.Parse(id, fields, out partial, _server.Http2EnableConnectProtocol);
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
            StartExchange(stream, _runTooLarge);
            return;
        }

        // Responses are handed out in the order HEADERS arrive, decided here on the reader: the
        // exchanges run on the thread pool, whose order is not the wire's, so two streams opened
        // back to back would otherwise take the next two responses either way round. A dispatcher
        // whose claim runs user code is claimed in the exchange instead (user code never runs here).
        stream.ArrivalClaim = ServerExchange.ClaimOnArrival(stream);

        AttachTunnelPipe(stream, endStream);
        StartExchange(stream, _runExchange);
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

    private void StartExchange(Http2ServerStream stream, Func<object?, Task> exchange)
    {
        // On the thread pool: the exchange runs dispatchers and policies, which must never run on
        // the reader loop. StartNew with the stream as state and a delegate made once per session
        // (not Task.Run with a closure, whose Unwrap adds a promise): one task per stream. The
        // outer task is kept; the session's end unwraps the few still running.
        var task = Task.Factory.StartNew(exchange, stream, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        lock (_lock)
        {
            if (!(task.IsCompleted && task.Result.IsCompleted) && _streams.ContainsKey(stream.Id))
            {
                _exchanges[stream.Id] = task;
            }
        }
    }

    private void OnTrailers(Http2ServerStream stream, bool endStream, List<HpackHeaderField> fields)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (!stream.State.OnReceive(Http2FrameType.Headers, endStream))
            {
                return;
            }

            if (!endStream)
            {
                // Section 8.1: a second HEADERS (trailers) must carry END_STREAM.
                throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, "Malformed request (RFC 9113 section 8.1): trailers without END_STREAM.");
            }

            stream.Trailers = Http2RequestHead.ParseTrailers(stream.Id, fields);
            stream.RequestEnded = true;
            CheckContentLength(stream);
            waiter = stream.TakeWaiterIfSatisfied();
        }

        waiter?.TrySetResult();
    }

    private void OnData(in Http2Frame frame)
    {
        var id = frame.StreamId;
        var length = frame.Header.Length;
        var endStream = frame.Header.HasFlag(Http2FrameFlags.EndStream);

        if (length == 0 && !endStream)
        {
            // Empty DATA without END_STREAM does nothing but cost a frame (CVE-2019-9518).
            _emptyData.Count();
        }
        else if (length > 0)
        {
            _emptyData.Credit(1);
        }

        // The core charged the connection window (section 6.9.1); recording is consuming, so the
        // connection's credit goes back at once.
        ReturnConnectionCredit(length);

        Http2ServerStream? stream;
        TaskCompletionSource? waiter = null;
        var streamCredit = 0;
        lock (_lock)
        {
            if (!_streams.TryGetValue(id, out stream))
            {
                if (_streams.IsIdle(id))
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"DATA on idle stream {id}.");
                }

                if (_resetStreams.Of(id) == Http2ResetStreams.ResetBy.Us)
                {
                    return; // Section 5.1: frames after our RST_STREAM are ignored.
                }

                // Section 6.1: DATA on a stream neither open nor half-closed (local), after the client's
                // reset (section 5.1) or its END_STREAM, is a stream error STREAM_CLOSED.
                throw new Http2StreamException(id, Http2ErrorCode.StreamClosed, $"DATA on closed stream {id}.");
            }

            if (!stream.State.OnReceive(Http2FrameType.Data, endStream))
            {
                return;
            }

            stream.ReceiveWindow.OnDataReceived(length);
            var data = Http2FrameReader.ReadData(frame);
            if (stream.ReadsBody)
            {
                stream.Body.Append(data);
                if (stream.BodyPipe is { } pipe && pipe.TryWrite(data))
                {
                    // Streamed: the data's credit returns as the dispatcher reads it (section 5.2:
                    // a slow consumer holds the client back); the padding's at once.
                    if (!endStream && length > data.Length)
                    {
                        streamCredit = stream.ReceiveWindow.OnDataConsumed(length - (int)data.Length);
                    }
                }
                else if (!endStream)
                {
                    // Recording is consuming (section 5.2): give the stream its credit back, padding included.
                    streamCredit = stream.ReceiveWindow.OnDataConsumed(length);
                }
            }

            stream.RequestEnded |= endStream;

            // A body the exchange chose not to read (DoNotReadRequestBody) is not counted, so its
            // content-length cannot be checked: DATA arriving after that choice must not reset the
            // stream with PROTOCOL_ERROR under the response being written.
            if (stream.ReadsBody && (endStream || (stream.Head?.ContentLength is { } declared && stream.Body.Size > declared)))
            {
                CheckContentLength(stream);
            }

            waiter = stream.TakeWaiterIfSatisfied();
        }

        if (streamCredit > 0)
        {
            QueueControl(w => Http2FrameWriter.WriteWindowUpdate(w, id, streamCredit));
        }

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

            credit = stream.ReceiveWindow.OnDataConsumed(count);
        }

        if (credit > 0)
        {
            var id = stream.Id;
            QueueControl(w => Http2FrameWriter.WriteWindowUpdate(w, id, credit));
        }
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

    /// <summary>Section 8.1.1: a content-length that does not match the DATA received makes the request malformed. Under _lock.</summary>
    private static void CheckContentLength(Http2ServerStream stream)
    {
        if (stream.Head?.ContentLength is { } declared && stream.Body.Size != declared && (stream.RequestEnded || stream.Body.Size > declared))
        {
            var message = $"Malformed request (RFC 9113 section 8.1.1): content-length {declared} but {stream.Body.Size} body bytes{(stream.RequestEnded ? string.Empty : " so far")}.";

            // Set the failure under the same lock that may just have marked the request ended:
            // the exchange task must never see the end without the failure and record it clean.
            stream.RequestFailure ??= new System.Net.ProtocolViolationException(message);
            throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, message);
        }
    }

    private void ReturnConnectionCredit(int length)
    {
        var increment = _core.ReceiveWindow.OnDataConsumed(length);
        if (increment > 0)
        {
            QueueControl(w => Http2FrameWriter.WriteWindowUpdate(w, 0, increment));
        }
    }
}
