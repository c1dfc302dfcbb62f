using MockKit.Http2;
using MockKit.Http2.Engine;

namespace MockKit.MockServer.Http2;

/// <summary>The reader loop: frames in, state updated, exchanges started (never user code, never a blocking write).</summary>
internal sealed partial class Http2ServerSession : IHttp2FrameSink
{
    private async Task ReadLoopAsync()
    {
        var (stop, leftover) = await Http2ReadLoop.RunAsync(_input, (uint)_server.Http2MaxFrameSize, _assembler, this, SessionToken).ConfigureAwait(false);
        switch (stop)
        {
            case Http2ReadLoopStop.Canceled:
                Log("all streams done after GOAWAY; closing");
                break;
            case Http2ReadLoopStop.InputEnded:
                Log(leftover == 0 ? "client closed the connection" : $"client closed the connection inside a frame ({leftover} bytes left)");
                break;
            default:
                break; // The peer stopped reading; the socket is already closed (logged once).
        }
    }

    bool IHttp2FrameSink.StopReading => WriteQueueFull;

    void IHttp2FrameSink.OnReading() => _connection.State = "HTTP/2: reading frames";

    void IHttp2FrameSink.OnFrame(in Http2Frame frame) => ProcessFrame(frame);

    void IHttp2FrameSink.OnUnknownFrame(in Http2Frame frame)
    {
        // Section 5.5: "Implementations MUST ignore and discard frames of unknown types."
    }

    void IHttp2FrameSink.OnStreamError(Http2StreamException exception) => OnStreamError(exception);

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
                    QueueControl(w => Http2FrameWriter.WritePing(w, opaque, ack: true)); // Section 6.7.
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
                _priorities.Count();
                _ = Http2FrameReader.ReadPriority(frame); // Validated, then ignored (section 5.3.2: priority signals are advisory).
                break;
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
        QueueControl(w =>
        {
            _frames.HeaderBlocks.SetPeerHeaderTableSize(tableSize);
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
        _windowUpdates.Count();
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

            // False when the stream was already closed (our END_STREAM or RST_STREAM crossed this
            // one): then the peer's reset changes nothing about later frames (section 5.1).
            if (stream.State.OnReceive(Http2FrameType.RstStream, false))
            {
                stream.ResetByPeer = true;
                _resetStreams.OnResetByPeer(stream.Id);
            }

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
        _resets.Count(); // A reset the client provoked ("MadeYouReset") costs as much as one it sends.
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
}
