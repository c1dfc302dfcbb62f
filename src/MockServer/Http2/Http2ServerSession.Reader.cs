using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Http2;

/// <summary>The reader loop: frames in, state updated, exchanges started (never user code, never a blocking write).</summary>
internal sealed partial class Http2ServerSession
{
    private async Task ReadLoopAsync()
    {
        var maxFrameSize = (uint)_server.Http2MaxFrameSize;
        while (true)
        {
            _connection.State = "HTTP/2: reading frames";
            var result = await _input.ReadAsync(SessionToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                Log("all streams done after GOAWAY; closing");
                return;
            }

            var buffer = result.Buffer;
            try
            {
                while (true)
                {
                    try
                    {
                        if (!Http2FrameReader.TryReadFrame(ref buffer, maxFrameSize, out var frame))
                        {
                            break;
                        }

                        _assembler.CheckSequence(frame.Header); // Sections 4.3, 6.10.
                        if (frame.Header.IsKnownType)
                        {
                            ProcessFrame(frame);
                        }
                    }
                    catch (Http2StreamException e)
                    {
                        // Section 5.4.2: reset the stream and keep reading (the buffer is already past the frame).
                        OnStreamError(e);
                    }
                }

                if (result.IsCompleted)
                {
                    Log(buffer.IsEmpty ? "client closed the connection" : $"client closed the connection inside a frame ({buffer.Length} bytes left)");
                    return;
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private void ProcessFrame(in Http2Frame frame)
    {
        switch (frame.Type)
        {
            case Http2FrameType.Headers:
                var headers = Http2FrameReader.ReadHeaders(frame);
                if ((frame.StreamId & 1) == 0)
                {
                    // Section 5.1.1: "Streams initiated by a client MUST use odd-numbered stream identifiers".
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"HEADERS on even stream {frame.StreamId}.");
                }

                if (_assembler.StartHeaders(frame, headers))
                {
                    OnHeaderBlock();
                }

                break;

            case Http2FrameType.Continuation:
                if (_assembler.AppendContinuation(frame))
                {
                    OnHeaderBlock();
                }

                break;

            case Http2FrameType.Data:
                OnData(frame);
                break;

            case Http2FrameType.Settings:
                OnSettings(frame);
                break;

            case Http2FrameType.Ping:
                if (!frame.Header.HasFlag(Http2FrameFlags.Ack))
                {
                    _pings.Count();
                    var opaque = Http2FrameReader.ReadPing(frame);
                    Queue(w => Http2FrameWriter.WritePing(w, opaque, ack: true)); // Section 6.7.
                }

                break;

            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(frame);
                break;

            case Http2FrameType.RstStream:
                OnReset(frame);
                break;

            case Http2FrameType.GoAway:
                var goAway = Http2FrameReader.ReadGoAway(frame);
                Log($"client sent GOAWAY({goAway.ErrorCode}, last stream {goAway.LastStreamId})");
                bool finish;
                lock (_lock)
                {
                    _peerGoAway = true;
                    finish = _streams.Count == 0;
                }

                if (finish)
                {
                    _input.CancelPendingRead();
                }

                break;

            case Http2FrameType.PushPromise:
                // Section 8.4: "A client cannot push. Thus, servers MUST treat the receipt of a PUSH_PROMISE frame as a connection error of type PROTOCOL_ERROR."
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "The client sent PUSH_PROMISE.");

            case Http2FrameType.Priority:
                _ = Http2FrameReader.ReadPriority(frame); // Validated, then ignored (section 5.3.2: priority signals are advisory).
                break;
        }
    }

    /// <summary>A complete request (or trailer) field block arrived: decode it, then open or finish the stream.</summary>
    private void OnHeaderBlock()
    {
        var first = _assembler.FirstHeader;
        var id = first.StreamId;
        var endStream = first.HasFlag(Http2FrameFlags.EndStream);
        List<HpackHeaderField> fields;
        Exception? tooLarge = null;
        try
        {
            // Decoded even for streams we will refuse: the HPACK context must stay in sync (section 4.3).
            var collector = new FieldCollector();
            try
            {
                _decoder.Decode(_assembler.Block, collector);
            }
            catch (HpackHeaderListTooLargeException e)
            {
                if (e.Size > 16 * e.Limit)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                        $"A field block on stream {id} decodes to {e.Size} bytes of fields (limit {e.Limit}): an HPACK bomb.", e);
                }

                tooLarge = e;
            }

            fields = collector.Fields;
        }
        finally
        {
            _assembler.Reset();
        }

        Http2ServerStream? stream;
        bool isNew;
        lock (_lock)
        {
            isNew = id > _lastClientStreamId;
            _streams.TryGetValue(id, out stream);
            if (!isNew && stream is null)
            {
                if (_resetByUs.Contains(id))
                {
                    return; // Section 5.1: frames after our RST_STREAM are ignored.
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
            _lastClientStreamId = id;
            var state = new Http2StreamStateMachine(id);
            state.OnReceive(Http2FrameType.Headers, endStream);
            stream = new Http2ServerStream(this, id, sequence, state, _peerInitialWindowSize, _localSettings.InitialWindowSize, _server.BodyLimit)
            {
                RequestEnded = endStream,
            };
            refusal = _goAwaySent || _peerGoAway ? "the connection is shutting down (GOAWAY)"
                : _activeClientStreams >= _maxConcurrentStreams ? $"SETTINGS_MAX_CONCURRENT_STREAMS is {_maxConcurrentStreams}"
                : null;
            if (refusal is null)
            {
                _streams.Add(id, stream);
                _activeClientStreams++;
            }
        }

        Http2RequestHead? partial = null;
        try
        {
            stream.Head = Http2RequestHead.Parse(id, fields, out partial);
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
            StartExchange(stream, TooLargeAsync);
            return;
        }

        StartExchange(stream, RunExchangeAsync);
    }

    /// <summary>A malformed or refused new stream: recorded with the failure, reset, forgotten.</summary>
    private void RejectNewStream(Http2ServerStream stream, bool wasAdded, Http2ErrorCode code, Exception failure)
    {
        RecordFailure(stream, failure);
        lock (_lock)
        {
            if (wasAdded && _streams.Remove(stream.Id))
            {
                _activeClientStreams--;
            }
        }

        QueueReset(stream.Id, code, stream);
        stream.Lifetime.Dispose();
    }

    private void StartExchange(Http2ServerStream stream, Func<Http2ServerStream, Task> exchange)
    {
        // Task.Run: the exchange runs dispatchers and policies, which must never run on the reader loop.
        var task = Task.Run(() => exchange(stream));
        lock (_lock)
        {
            if (!task.IsCompleted && _streams.ContainsKey(stream.Id))
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

        // Section 6.9.1: every DATA frame counts against the connection window, whatever its stream.
        _receiveWindow.OnDataReceived(length);
        ReturnConnectionCredit(length);

        Http2ServerStream? stream;
        TaskCompletionSource? waiter = null;
        var streamCredit = 0;
        lock (_lock)
        {
            if (!_streams.TryGetValue(id, out stream))
            {
                if (id > _lastClientStreamId)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"DATA on idle stream {id}.");
                }

                if (_resetByUs.Contains(id))
                {
                    return;
                }

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

                // Recording is consuming (section 5.2): give the stream its credit back, padding included.
                if (!endStream)
                {
                    streamCredit = stream.ReceiveWindow.OnDataConsumed(length);
                }
            }

            stream.RequestEnded |= endStream;
            if (stream.Head?.ContentLength is { } declared && stream.Body.Size > declared)
            {
                CheckContentLength(stream);
            }
            else if (endStream)
            {
                CheckContentLength(stream);
            }

            waiter = stream.TakeWaiterIfSatisfied();
        }

        if (streamCredit > 0)
        {
            Queue(w => Http2FrameWriter.WriteWindowUpdate(w, id, streamCredit));
        }

        waiter?.TrySetResult();
    }

    /// <summary>Section 8.1.1: a content-length that does not match the DATA received makes the request malformed. Under _lock.</summary>
    private static void CheckContentLength(Http2ServerStream stream)
    {
        if (stream.Head?.ContentLength is { } declared && stream.Body.Size != declared && (stream.RequestEnded || stream.Body.Size > declared))
        {
            throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError,
                $"Malformed request (RFC 9113 section 8.1.1): content-length {declared} but {stream.Body.Size} body bytes{(stream.RequestEnded ? string.Empty : " so far")}.");
        }
    }

    private void ReturnConnectionCredit(int length)
    {
        var increment = _receiveWindow.OnDataConsumed(length);
        if (increment > 0)
        {
            Queue(w => Http2FrameWriter.WriteWindowUpdate(w, 0, increment));
        }
    }

    private void OnSettings(in Http2Frame frame)
    {
        if (frame.Header.HasFlag(Http2FrameFlags.Ack))
        {
            OnSettingsAcknowledged();
            return;
        }

        _settingsFrames.Count();
        var delta = _peerSettings.Apply(frame.Payload);
        if (delta != 0)
        {
            // Section 6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE moves every open stream's send window.
            // The new size and the snapshot are taken together, so a stream created meanwhile (a push)
            // either starts at the new size or is in the snapshot, never both.
            Http2ServerStream[] open;
            lock (_lock)
            {
                _peerInitialWindowSize = _peerSettings.InitialWindowSize;
                open = [.. _streams.Values];
            }

            foreach (var stream in open)
            {
                stream.SendWindow.AdjustInitialSize(delta);
            }
        }

        _peerMaxFrameSize = _peerSettings.MaxFrameSize;
        _peerEnablePush = _peerSettings.EnablePush;
        var tableSize = _peerSettings.HeaderTableSize;
        Queue(w =>
        {
            _encoder.SetPeerHeaderTableSize(tableSize);
            Http2FrameWriter.WriteSettingsAck(w); // Section 6.5.3.
        });
    }

    private void OnSettingsAcknowledged()
    {
        Http2ServerStream[] open;
        int delta;
        lock (_lock)
        {
            if (!_unacknowledged.TryDequeue(out var settings))
            {
                // Section 6.5.3 does not forbid a stray ACK outright; ignoring it is the lenient reading.
                return;
            }

            delta = _localSettings.Apply(settings);
            open = delta == 0 ? [] : [.. _streams.Values];
        }

        foreach (var stream in open)
        {
            stream.ReceiveWindow.AdjustInitialSize(delta);
        }
    }

    private void OnWindowUpdate(in Http2Frame frame)
    {
        var increment = Http2FrameReader.ReadWindowUpdate(frame);
        if (frame.StreamId == 0)
        {
            _sendWindow.OnWindowUpdate(increment);
            return;
        }

        Http2ServerStream? stream;
        lock (_lock)
        {
            if (!_streams.TryGetValue(frame.StreamId, out stream))
            {
                if (frame.StreamId > _lastClientStreamId && (frame.StreamId & 1) == 1)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"WINDOW_UPDATE on idle stream {frame.StreamId}.");
                }

                return; // Closed streams: WINDOW_UPDATE may still be in flight (section 6.9).
            }

            if (!stream.State.OnReceive(Http2FrameType.WindowUpdate, false))
            {
                return;
            }
        }

        stream.SendWindow.OnWindowUpdate(increment);
    }

    private void OnReset(in Http2Frame frame)
    {
        _resets.Count();
        var code = Http2FrameReader.ReadRstStream(frame);
        Http2ServerStream? stream;
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (!_streams.TryGetValue(frame.StreamId, out stream))
            {
                if (frame.StreamId > _lastClientStreamId && (frame.StreamId & 1) == 1)
                {
                    // Section 6.4: RST_STREAM on an idle stream is a connection error of type PROTOCOL_ERROR.
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"RST_STREAM on idle stream {frame.StreamId}.");
                }

                return;
            }

            stream.State.OnReceive(Http2FrameType.RstStream, false);
            _resetByUs.Add(stream.Id); // Not ours, but late frames on it are ignored just the same.
            if (!stream.RequestEnded)
            {
                stream.RequestFailure ??= new IOException($"The client reset stream {stream.Id} with {code} before the request ended.");
                waiter = stream.TakeWaiterIfSatisfied();
            }
        }

        Log($"client reset stream {frame.StreamId} ({code})");
        waiter?.TrySetResult();
        stream.SendWindow.Abort(new IOException($"The client reset stream {stream.Id} with {code}."));
        stream.Abort();
    }

    /// <summary>A stream error found while reading: record why, reset the stream, carry on.</summary>
    private void OnStreamError(Http2StreamException e)
    {
        Log(e.Message);
        Http2ServerStream? stream;
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (_streams.TryGetValue(e.StreamId, out stream))
            {
                stream.RequestFailure ??= new System.Net.ProtocolViolationException(e.Message);
                waiter = stream.TakeWaiterIfSatisfied();
            }
        }

        QueueReset(e.StreamId, e.ErrorCode, stream);
        waiter?.TrySetResult();
        if (stream is not null)
        {
            stream.SendWindow.Abort(new IOException(e.Message));
            stream.Abort();
        }
    }

    /// <summary>Collects decoded fields (the decoder reports them one by one).</summary>
    private sealed class FieldCollector : IHpackHeaderHandler
    {
        public List<HpackHeaderField> Fields { get; } = [];

        public void OnHeader(in HpackHeaderField field) => Fields.Add(field);
    }
}
