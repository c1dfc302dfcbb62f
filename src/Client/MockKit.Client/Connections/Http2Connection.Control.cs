using MockKit.Http2;

namespace MockKit.Client.Connections;

// The reader loop's connection- and stream-control frames: RST_STREAM (section 6.4), SETTINGS
// (6.5), PING (6.7), GOAWAY (6.8) and WINDOW_UPDATE (6.9). Each decides under _lock and completes
// tasks, fails streams and calls the pool after releasing it.
internal sealed partial class Http2Connection
{
    private void OnReset(int streamId, Http2ErrorCode code)
    {
        Http2ClientStream? stream;
        lock (_lock)
        {
            if (_streams.Remove(streamId, out stream))
            {
                stream.State!.OnReceive(Http2FrameType.RstStream, false);
            }
            else if (streamId > _lastStreamId)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"RST_STREAM on idle stream {streamId}.");
            }
        }

        if (stream is null)
        {
            return;
        }

        if (code == Http2ErrorCode.NoError && stream.Body.HasEnded)
        {
            // Section 8.1: after a complete response, RST_STREAM(NO_ERROR) asks us to stop sending the
            // request body; the response stands.
            stream.SendWindow?.Abort(new OperationCanceledException($"The server completed stream {streamId} before the request body was sent."));
            return;
        }

        Exception failure = code == Http2ErrorCode.RefusedStream && !stream.ResponseStarted
            ? NotProcessed($"the server refused stream {streamId} (REFUSED_STREAM)")
            : new Http2StreamResetException(code, $"The server reset stream {streamId} on {Route} with {code}.");
        ReturnCredit(stream.Fail(failure));
    }

    private void OnStreamError(Http2StreamException e)
    {
        Http2ClientStream? stream;
        lock (_lock)
        {
            stream = _streams.GetValueOrDefault(e.StreamId);
        }

        // The frame in error may have ended its stream (END_STREAM closed it and took it out of the
        // table): it is still the reader's current stream, and its caller must fail, not wait. No
        // RST_STREAM then: section 5.1 allows nothing but PRIORITY on a closed stream.
        if (stream is null && _receiving is { } current && current.Id == e.StreamId)
        {
            ReturnCredit(current.Fail(ProtocolFailure(e)));
            return;
        }

        if (stream is not null)
        {
            QueueReset(stream, e.ErrorCode);
            ReturnCredit(stream.Fail(ProtocolFailure(e)));
        }
        else
        {
            QueueControl(w => Http2FrameWriter.WriteRstStream(w, e.StreamId, e.ErrorCode));
        }
    }

    private ExchangeException ProtocolFailure(Http2StreamException e) =>
        new($"Protocol error on stream {e.StreamId} from {Route}: {e.Message}", e, HttpRequestError.HttpProtocolError, beforeResponseBytes: false);

    /// <summary>Unread bytes of an abandoned stream go back to the connection window.</summary>
    private void ReturnCredit(int bytes)
    {
        if (bytes > 0)
        {
            QueueWindowUpdate(0, _receiveWindow.OnDataConsumed(bytes));
        }
    }

    private void OnSettings(in Http2Frame frame)
    {
        if (frame.Header.HasFlag(Http2FrameFlags.Ack))
        {
            _settingsAcknowledged = true;
            return;
        }

        var delta = _peerSettings.Apply(frame.Payload);
        var maxStreams = (int)Math.Min(_peerSettings.MaxConcurrentStreams, int.MaxValue);
        _peerMaxFrameSize = _peerSettings.MaxFrameSize;
        _extendedConnectEnabled = _peerSettings.EnableConnectProtocol;
        var tableSize = _peerSettings.HeaderTableSize;
        List<Http2ClientStream> open;
        lock (_lock)
        {
            _peerInitialWindowSize = _peerSettings.InitialWindowSize;
            open = delta == 0 ? [] : [.. _streams.Values];
        }

        // Section 6.9.2: a change of SETTINGS_INITIAL_WINDOW_SIZE moves every open stream's send window.
        foreach (var stream in open)
        {
            stream.SendWindow?.AdjustInitialSize(delta);
        }

        // The pool reads AllocationLimit under its lock on every allocation: a lower limit pushes new
        // calls to another connection from now on; streams already allocated above it may be refused
        // (REFUSED_STREAM) and are then retried.
        _maxConcurrentStreams = maxStreams;
        QueueControl(w =>
        {
            _frames.HeaderBlocks.SetPeerHeaderTableSize(tableSize);
            Http2FrameWriter.WriteSettingsAck(w); // Section 6.5.3.
        });
        _settingsReceived.TrySetResult();
    }

    private void OnPing(in Http2Frame frame)
    {
        var payload = Http2FrameReader.ReadPing(frame);
        if (!frame.Header.HasFlag(Http2FrameFlags.Ack))
        {
            QueueControl(w => Http2FrameWriter.WritePing(w, payload, ack: true)); // Section 6.7.
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

    private void OnGoAway(Http2GoAwayPayload goAway)
    {
        List<Http2ClientStream> unprocessed = [];
        lock (_lock)
        {
            _goAwayReceived = true;
            _goAwayDescription = goAway.Describe();
            _goAwayLastStreamId = Math.Min(_goAwayLastStreamId, goAway.LastStreamId);
            foreach (var (id, stream) in _streams)
            {
                if (id > _goAwayLastStreamId)
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

    private void OnWindowUpdate(int streamId, int increment)
    {
        if (streamId == 0)
        {
            _sendWindow.OnWindowUpdate(increment);
            return;
        }

        Http2ClientStream? stream;
        lock (_lock)
        {
            stream = _streams.GetValueOrDefault(streamId);
            if (stream is null && streamId > _lastStreamId)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"WINDOW_UPDATE on idle stream {streamId}.");
            }
        }

        stream?.SendWindow?.OnWindowUpdate(increment);
    }
}
