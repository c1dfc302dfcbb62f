namespace MockKit.Http2;

/// <summary>
/// The stream lifecycle of RFC 9113 section 5.1, applied one frame at a time. It knows nothing
/// about HTTP semantics or flow control; it answers "is this frame legal in this state", moves the
/// state, and turns violations into the error the RFC prescribes.
/// <code>
///                          +--------+
///                  send PP |        | recv PP
///                 ,--------+  idle  +--------.
///                /         |        |         \
///               v          +--------+          v
///        +----------+          |           +----------+
///        |          |          | send H /  |          |
/// ,------+ reserved |          | recv H    | reserved +------.
/// |      | (local)  |          |           | (remote) |      |
/// |      +---+------+          v           +------+---+      |
/// |          |             +--------+             |          |
/// |          |     recv ES |        | send ES     |          |
/// |   send H |     ,-------+  open  +-------.     | recv H   |
/// |          |    /        |        |        \    |          |
/// |          v   v         +---+----+         v   v          |
/// |      +----------+          |           +----------+      |
/// |      |   half-  |          |           |   half-  |      |
/// |      |  closed  |          | send R /  |  closed  |      |
/// |      | (remote) |          | recv R    | (local)  |      |
/// |      +----+-----+          |           +-----+----+      |
/// |           |                |                 |           |
/// |           | send ES /       |       recv ES / |           |
/// |           | send R /       v        send R / |           |
/// |           | recv R     +--------+   recv R   |           |
/// | send R /  `-----------&gt;|        |&lt;-----------'  send R / |
/// | recv R                 | closed |               recv R   |
/// `-----------------------&gt;|        |&lt;-----------------------'
///                          +--------+
/// </code>
/// (H: HEADERS, PP: PUSH_PROMISE, ES: END_STREAM flag, R: RST_STREAM.) CONTINUATION frames are
/// part of the HEADERS/PUSH_PROMISE they continue and are not fed in separately.
/// </summary>
/// <remarks>Not thread-safe; owned by the connection's reader loop (receive) under the session's
/// stream lock (send), as the session decides.</remarks>
public sealed class Http2StreamStateMachine
{
    private CloseCause _closeCause;

    /// <summary>Creates the state for a stream.</summary>
    public Http2StreamStateMachine(int streamId, Http2StreamState initial = Http2StreamState.Idle)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streamId, 1);
        StreamId = streamId;
        State = initial;
    }

    /// <summary>True when the peer's RST_STREAM closed the stream (section 5.1: late frames are then a stream error STREAM_CLOSED).</summary>
    public bool ResetByPeer => _closeCause == CloseCause.ReceivedReset;

    private enum CloseCause
    {
        None,
        EndStream,   // Closed by END_STREAM in both directions.
        SentReset,   // We sent RST_STREAM.
        ReceivedReset,
    }

    /// <summary>The stream.</summary>
    public int StreamId { get; }

    /// <summary>The current state.</summary>
    public Http2StreamState State { get; private set; }

    /// <summary>
    /// Applies a received frame of <paramref name="type"/> (its END_STREAM flag in
    /// <paramref name="endStream"/>).
    /// </summary>
    /// <returns>True to process the frame; false to ignore it (frames arriving after we reset or finished the stream).</returns>
    /// <exception cref="Http2ConnectionException">PROTOCOL_ERROR for a frame on an idle or reserved stream it cannot appear on; STREAM_CLOSED for DATA/HEADERS after the peer's END_STREAM closed the stream.</exception>
    /// <exception cref="Http2StreamException">STREAM_CLOSED for a frame on a half-closed (remote) stream or after the peer's RST_STREAM.</exception>
    public bool OnReceive(Http2FrameType type, bool endStream)
    {
        if (type is Http2FrameType.Priority or Http2FrameType.Continuation)
        {
            return true; // PRIORITY is legal in every state; CONTINUATION rides on its HEADERS.
        }

        switch (State)
        {
            case Http2StreamState.Idle:
                if (type == Http2FrameType.Headers)
                {
                    State = endStream ? Http2StreamState.HalfClosedRemote : Http2StreamState.Open;
                    return true;
                }

                // Section 5.1: "Receiving any frame other than HEADERS or PRIORITY on a stream in this
                // state MUST be treated as a connection error of type PROTOCOL_ERROR."
                throw ConnectionError(Http2ErrorCode.ProtocolError, $"{type} frame received on idle stream {StreamId}.");

            case Http2StreamState.ReservedLocal:
                if (type == Http2FrameType.RstStream)
                {
                    Close(CloseCause.ReceivedReset);
                    return true;
                }

                if (type == Http2FrameType.WindowUpdate)
                {
                    return true;
                }

                throw ConnectionError(Http2ErrorCode.ProtocolError, $"{type} frame received on stream {StreamId}, reserved (local) by our PUSH_PROMISE.");

            case Http2StreamState.ReservedRemote:
                if (type == Http2FrameType.Headers)
                {
                    State = endStream ? Http2StreamState.Closed : Http2StreamState.HalfClosedLocal;
                    _closeCause = endStream ? CloseCause.EndStream : CloseCause.None;
                    return true;
                }

                if (type == Http2FrameType.RstStream)
                {
                    Close(CloseCause.ReceivedReset);
                    return true;
                }

                throw ConnectionError(Http2ErrorCode.ProtocolError, $"{type} frame received on stream {StreamId}, reserved (remote) by the peer's PUSH_PROMISE.");

            case Http2StreamState.Open:
            case Http2StreamState.HalfClosedLocal:
                if (type == Http2FrameType.RstStream)
                {
                    Close(CloseCause.ReceivedReset);
                }
                else if (endStream && type is Http2FrameType.Data or Http2FrameType.Headers)
                {
                    if (State == Http2StreamState.Open)
                    {
                        State = Http2StreamState.HalfClosedRemote;
                    }
                    else
                    {
                        Close(CloseCause.EndStream);
                    }
                }

                return true;

            case Http2StreamState.HalfClosedRemote:
                if (type == Http2FrameType.RstStream)
                {
                    Close(CloseCause.ReceivedReset);
                    return true;
                }

                if (type == Http2FrameType.WindowUpdate)
                {
                    return true;
                }

                // Section 5.1: "If an endpoint receives additional frames, other than WINDOW_UPDATE,
                // PRIORITY, or RST_STREAM, for a stream that is in this state, it MUST respond with a
                // stream error of type STREAM_CLOSED."
                throw new Http2StreamException(StreamId, Http2ErrorCode.StreamClosed, $"{type} frame received on stream {StreamId} after the peer ended it (half-closed remote).");

            default:
                return OnReceiveClosed(type);
        }
    }

    /// <summary>Applies a frame we are about to send; throws <see cref="InvalidOperationException"/> when sending it would break section 5.1.</summary>
    public void OnSend(Http2FrameType type, bool endStream)
    {
        switch (type)
        {
            case Http2FrameType.RstStream:
                if (State == Http2StreamState.Idle)
                {
                    throw LocalError(type); // Section 6.4: RST_STREAM "MUST NOT be sent for a stream in the idle state".
                }

                Close(CloseCause.SentReset);
                return;

            case Http2FrameType.Headers:
                State = State switch
                {
                    Http2StreamState.Idle => endStream ? Http2StreamState.HalfClosedLocal : Http2StreamState.Open,
                    Http2StreamState.ReservedLocal => endStream ? Http2StreamState.Closed : Http2StreamState.HalfClosedRemote,
                    Http2StreamState.Open => endStream ? Http2StreamState.HalfClosedLocal : Http2StreamState.Open,
                    Http2StreamState.HalfClosedRemote => endStream ? Http2StreamState.Closed : Http2StreamState.HalfClosedRemote,
                    _ => throw LocalError(type),
                };
                break;

            case Http2FrameType.Data:
                State = State switch
                {
                    Http2StreamState.Open => endStream ? Http2StreamState.HalfClosedLocal : Http2StreamState.Open,
                    Http2StreamState.HalfClosedRemote => endStream ? Http2StreamState.Closed : Http2StreamState.HalfClosedRemote,
                    _ => throw LocalError(type),
                };
                break;

            case Http2FrameType.PushPromise:
                // Sent on the associated stream, which must be open from the peer's side (section 6.6).
                if (State is not (Http2StreamState.Open or Http2StreamState.HalfClosedRemote))
                {
                    throw LocalError(type);
                }

                return;

            default:
                return; // WINDOW_UPDATE and PRIORITY do not change the state.
        }

        if (State == Http2StreamState.Closed && _closeCause == CloseCause.None)
        {
            _closeCause = CloseCause.EndStream;
        }
    }

    /// <summary>Marks this (idle) stream as promised by us (send PP) or by the peer (recv PP).</summary>
    /// <exception cref="Http2ConnectionException">PROTOCOL_ERROR when the peer promises a stream that is not idle (section 6.6).</exception>
    public void Reserve(bool local)
    {
        if (State != Http2StreamState.Idle)
        {
            if (local)
            {
                throw new InvalidOperationException($"Cannot promise stream {StreamId}; it is {State}.");
            }

            throw ConnectionError(Http2ErrorCode.ProtocolError, $"PUSH_PROMISE promises stream {StreamId}, which is {State}, not idle.");
        }

        State = local ? Http2StreamState.ReservedLocal : Http2StreamState.ReservedRemote;
    }

    private bool OnReceiveClosed(Http2FrameType type)
    {
        switch (_closeCause)
        {
            case CloseCause.SentReset:
                // Section 5.1: "An endpoint MUST ignore frames that it receives on closed streams after it has sent a RST_STREAM frame."
                return false;

            case CloseCause.ReceivedReset:
                throw new Http2StreamException(StreamId, Http2ErrorCode.StreamClosed, $"{type} frame received on stream {StreamId} after the peer reset it.");

            default:
                // Closed by END_STREAM both ways. WINDOW_UPDATE and RST_STREAM may still be in flight
                // after our END_STREAM (section 5.1); DATA or HEADERS mean the peer sent after its own END_STREAM.
                if (type is not (Http2FrameType.Data or Http2FrameType.Headers))
                {
                    return false;
                }

                throw ConnectionError(Http2ErrorCode.StreamClosed, $"{type} frame received on stream {StreamId} after it was closed by END_STREAM.");
        }
    }

    private void Close(CloseCause cause)
    {
        State = Http2StreamState.Closed;
        _closeCause = cause;
    }

    private static Http2ConnectionException ConnectionError(Http2ErrorCode code, string message) => new(code, message);

    private InvalidOperationException LocalError(Http2FrameType type) =>
        new($"Cannot send {type} on stream {StreamId} in state {State} (RFC 9113 section 5.1).");
}

