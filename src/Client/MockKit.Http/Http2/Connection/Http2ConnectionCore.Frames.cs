using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection;

// The one frame switch, for both roles: connection-level frames are handled here, stream-level
// ones go to the role's listener. Everything here runs on the reader loop.
public sealed partial class Http2ConnectionCore
{
    bool IHttp2FrameSink.StopReading => _listener.StopReading;

    void IHttp2FrameSink.OnReading() => _listener.OnReading();

    void IHttp2FrameSink.OnUnknownFrame(in Http2Frame frame) =>
        _listener.OnFrameReceived(frame); // Section 5.5: ignored and discarded, though the role may count it.

    void IHttp2FrameSink.OnStreamError(Http2StreamException exception) => OnStreamError(exception);

    void IHttp2FrameSink.OnFrame(in Http2Frame frame)
    {
        _receiving = null;
        _listener.OnFrameReceived(frame);
        switch (frame.Type)
        {
            case Http2FrameType.Data:
                // Section 6.9.1: every DATA frame counts against the connection window, whatever its
                // stream (padding included); the role returns the credit as it consumes.
                ReceiveWindow.OnDataReceived(frame.Header.Length);
                OnData(frame);
                break;

            case Http2FrameType.Headers:
                var headers = Http2FrameReader.ReadHeaders(frame);
                if (Role == Http2Role.Server && (frame.StreamId & 1) == 0)
                {
                    // Section 5.1.1: "Streams initiated by a client MUST use odd-numbered stream identifiers".
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"HEADERS on even stream {frame.StreamId}.");
                }

                if (Assembler.StartHeaders(frame, headers))
                {
                    OnFieldBlock();
                }

                break;

            case Http2FrameType.Continuation:
                if (Assembler.AppendContinuation(frame))
                {
                    OnFieldBlock();
                }

                break;

            case Http2FrameType.PushPromise:
                if (Role == Http2Role.Server)
                {
                    // Section 8.4: "A client cannot push. Thus, servers MUST treat the receipt of a
                    // PUSH_PROMISE frame as a connection error of type PROTOCOL_ERROR."
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "The client sent PUSH_PROMISE.");
                }

                if (Assembler.StartPushPromise(frame, Http2FrameReader.ReadPushPromise(frame)))
                {
                    OnFieldBlock();
                }

                break;

            case Http2FrameType.RstStream:
                OnReset(frame.StreamId, Http2FrameReader.ReadRstStream(frame));
                break;

            case Http2FrameType.Settings:
                OnSettings(frame);
                break;

            case Http2FrameType.Ping:
                OnPing(frame);
                break;

            case Http2FrameType.GoAway:
                OnGoAway(frame);
                break;

            case Http2FrameType.WindowUpdate:
                var increment = Http2FrameReader.ReadWindowUpdate(frame);
                if (frame.StreamId == 0)
                {
                    SendWindow.OnWindowUpdate(increment); // Section 6.9.1; an overflow is a FLOW_CONTROL_ERROR.
                }
                else
                {
                    OnStreamWindowUpdate(frame.StreamId, increment);
                }

                break;

            case Http2FrameType.Priority:
                _ = Http2FrameReader.ReadPriority(frame); // Validated, then ignored (section 5.3.2: deprecated, advisory).
                break;
        }
    }

    /// <summary>A complete field block: always decoded (the HPACK context must stay in sync, section 4.3), then the role's.</summary>
    private void OnFieldBlock()
    {
        var first = Assembler.FirstHeader;
        var promised = Assembler.PromisedStreamId;
        HpackHeaderListTooLargeException? tooLarge = null;
        _fields.Clear();
        try
        {
            _decoder.Decode(Assembler.Block, _fields);
        }
        catch (HpackHeaderListTooLargeException e)
        {
            tooLarge = e; // The decoder finished the block: the context is intact, the role decides.
        }
        finally
        {
            Assembler.Reset();
        }

        if (first.Type == Http2FrameType.PushPromise && _localSettingsAcknowledged && !LocalSettings.EnablePush)
        {
            // Section 6.6: "An endpoint that has set this setting [ENABLE_PUSH = 0] and has received
            // acknowledgment MUST treat the receipt of a PUSH_PROMISE frame as a connection error of
            // type PROTOCOL_ERROR." Before the ACK the peer may not have seen it yet: the role refuses
            // just the promised stream (section 8.4).
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PUSH_PROMISE received although SETTINGS_ENABLE_PUSH is 0.");
        }

        if (tooLarge is not null && Role == Http2Role.Client)
        {
            // Section 10.5.1: "A client can discard responses that it cannot process." The decoder
            // finished the block (the context is intact), so only this stream is reset, before the
            // block moves its state. (A server records such a request and answers it: the role's.)
            throw new Http2StreamException(
                first.StreamId,
                Http2ErrorCode.Cancel,
                $"The response header list is larger than the client's limit of {tooLarge.Limit} bytes (SETTINGS_MAX_HEADER_LIST_SIZE): {tooLarge.Message}");
        }

        if (tooLarge is not null && Role == Http2Role.Server && tooLarge.Size > 16 * tooLarge.Limit)
        {
            // Section 10.5.1: a field block that decodes to many times the advertised limit is an
            // attack on the decoder (an HPACK bomb), whatever stream it names, a reset one included:
            // the connection ends before the lookup, so a late block cannot dodge the check.
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"A field block on stream {first.StreamId} decodes to {tooLarge.Size} bytes of fields (limit {tooLarge.Limit}): an HPACK bomb.", tooLarge);
        }

        Http2Stream? stream = null;
        if (first.Type == Http2FrameType.Headers && !TryReceiveHeaders(first.StreamId, first.HasFlag(Http2FrameFlags.EndStream), out stream))
        {
            return; // A late block on a closed stream (section 5.1), decoded to keep the context, then dropped.
        }

        _listener.OnFieldBlock(first, stream, promised, _fields.Fields, tooLarge);
    }

    private void OnSettings(in Http2Frame frame)
    {
        if (frame.Header.HasFlag(Http2FrameFlags.Ack))
        {
            Http2Settings? settings;
            lock (_lock)
            {
                // Section 6.5.3 does not forbid a stray ACK outright; ignoring it is the lenient reading.
                _unacknowledged.TryDequeue(out settings);
            }

            if (settings is not null)
            {
                LocalSettings.Apply(settings);
                _localSettingsAcknowledged = true;
                if (settings.InitialWindowSize is { } windowSize)
                {
                    ResizeStreamReceiveWindows(sent: null, acknowledged: windowSize); // A cut is in force from now (see QueueSettings).
                }
            }

            return;
        }

        var delta = PeerSettings.Apply(frame.Payload);
        _peerMaxFrameSize = PeerSettings.MaxFrameSize;
        _peerEnablePush = PeerSettings.EnablePush;
        _peerEnableConnectProtocol = PeerSettings.EnableConnectProtocol;
        if (delta != 0)
        {
            // Section 6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE moves every open stream's send window
            // (below zero too). The new size and the snapshot are taken together under the stream
            // lock, so a stream opened meanwhile (by the client's writer, or a server push) either
            // starts at the new size or is in the snapshot, never both.
            IHttp2Stream[] open;
            lock (_streamLock)
            {
                _streams.PeerInitialWindowSize = PeerSettings.InitialWindowSize;
                open = _streams.Snapshot();
            }

            foreach (var stream in open)
            {
                stream.SendWindow?.AdjustInitialSize(delta); // Outside the lock: it completes waiters' tasks.
            }
        }

        _listener.OnPeerSettings();
        var tableSize = PeerSettings.HeaderTableSize;
        _frames.QueueControl(w =>
        {
            // The encoder is the writer's: the peer's table size applies from the frames after this ACK on.
            _frames.HeaderBlocks.SetPeerHeaderTableSize(tableSize);
            Http2FrameWriter.WriteSettingsAck(w); // Section 6.5.3.
        });
        _peerSettingsReceived.TrySetResult();
    }

    private void OnStreamWindowUpdate(int streamId, int increment)
    {
        IHttp2Stream? stream;
        lock (_streamLock)
        {
            stream = FindLocked(streamId, Http2FrameType.WindowUpdate);
            if (stream is null)
            {
                return; // Closed streams: WINDOW_UPDATE may still be in flight (section 6.9).
            }

            if (stream.State?.OnReceive(Http2FrameType.WindowUpdate, false) != true)
            {
                return;
            }
        }

        stream.SendWindow?.OnWindowUpdate(increment); // Outside the lock: it completes waiters' tasks.
    }

    private void OnPing(in Http2Frame frame)
    {
        var payload = Http2FrameReader.ReadPing(frame);
        if (!frame.Header.HasFlag(Http2FrameFlags.Ack))
        {
            _frames.QueueControl(w => Http2FrameWriter.WritePing(w, payload, ack: true)); // Section 6.7.
            return;
        }

        TaskCompletionSource<bool>? ping = null;
        lock (_lock)
        {
            if (_ping is not null && _pingPayload == payload)
            {
                ping = _ping;
                _ping = null;
            }
        }

        ping?.TrySetResult(true);
    }
}
