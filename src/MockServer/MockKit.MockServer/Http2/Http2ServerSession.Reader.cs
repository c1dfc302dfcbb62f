using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The server role of the shared connection (<see cref="Http2ConnectionCore"/> runs the reader loop and
/// the frame switch): flood budgets, GOAWAY, RST_STREAM, what new SETTINGS mean to the streams, stream
/// errors (never user code, never a blocking write).
/// </summary>
internal sealed partial class Http2ServerSession : IHttp2ConnectionListener
{
    private async Task ReadLoopAsync()
    {
        var (stop, leftover) = await _core.ReadFramesAsync(_input, (uint)_server.Http2MaxFrameSize, SessionToken).ConfigureAwait(false);
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

    bool IHttp2ConnectionListener.StopReading => WriteQueueFull;

    void IHttp2ConnectionListener.OnReading() => _connection.State = "HTTP/2: reading frames";

    void IHttp2ConnectionListener.OnFrameReceived(in Http2Frame frame)
    {
        // The server's flood guards (section 10.5), one per frame kind within a window of time.
        // Unknown frame types are ignored for free (section 5.5: "MUST ignore and discard").
        switch (frame.Type)
        {
            case Http2FrameType.Ping when !frame.Header.HasFlag(Http2FrameFlags.Ack):
                _pings.Count();
                break;
            case Http2FrameType.Settings when !frame.Header.HasFlag(Http2FrameFlags.Ack):
                _settingsFrames.Count();
                break;
            case Http2FrameType.WindowUpdate:
                _windowUpdates.Count();
                break;
            case Http2FrameType.RstStream:
                _resets.Count();
                break;
            case Http2FrameType.Priority:
                _priorities.Count();
                break;
        }
    }

    void IHttp2ConnectionListener.OnGoAway(Http2GoAwayPayload goAway)
    {
        Log($"client sent GOAWAY({goAway.ErrorCode}, last stream {goAway.LastStreamId})");
        bool finish; // The core recorded it: new streams are refused, the last exchange to end ends the session.
        lock (_lock)
        {
            finish = _streams.Count == 0;
        }

        if (finish)
        {
            _input.CancelPendingRead();
        }
    }

    void IHttp2ConnectionListener.OnPeerSettings()
    {
        // Nothing beyond the core's (windows, frame size, push): the server's streams follow them.
    }

    void IHttp2ConnectionListener.OnLocalSettingsAcknowledged(int initialWindowDelta)
    {
        if (initialWindowDelta == 0)
        {
            return;
        }

        // Our new SETTINGS_INITIAL_WINDOW_SIZE is in force: every open stream's receive window moves
        // (section 6.9.2). New streams are opened on this same reader loop, after this.
        Http2ServerStream[] open;
        lock (_lock)
        {
            open = [.. _streams.Values];
        }

        foreach (var stream in open)
        {
            stream.ReceiveWindow?.AdjustInitialSize(initialWindowDelta); // None on a stream the client ended.
        }
    }

    Exception IHttp2ConnectionListener.OnReset(Http2Stream received, Http2ErrorCode code, bool closedByIt)
    {
        // The core found the stream, moved its state and remembered the reset (section 5.1); it aborts
        // the stream's send window with what this returns.
        var stream = (Http2ServerStream)received;
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (closedByIt)
            {
                stream.ResetByPeer = true;
                stream.PeerResetCode = code;
            }

            if (!stream.RequestEnded)
            {
                stream.RequestFailure ??= new IOException($"The client reset stream {stream.Id} with {code} before the request ended.");
                waiter = stream.TakeWaiterIfSatisfied();
            }
        }

        Log($"client reset stream {stream.Id} ({code})");
        waiter?.TrySetResult();

        // The sender first, then the exchange's token: a write waiting for credit fails with the reset, not a cancellation.
        var failure = new IOException($"The client reset stream {stream.Id} with {code}.");
        stream.SendWindow.Abort(failure);
        stream.Abort();
        return failure;
    }

    /// <summary>A stream error found while reading: record why, reset the stream, carry on.</summary>
    void IHttp2ConnectionListener.OnStreamError(Http2StreamException e, Http2Stream? received, bool inTable)
    {
        _resets.Count(); // A reset the client provoked ("MadeYouReset") costs as much as one it sends.
        Log(e.Message);
        var stream = inTable ? (Http2ServerStream?)received : null;
        TaskCompletionSource? waiter = null;
        if (stream is not null)
        {
            lock (_lock)
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
