using MockKit.Http2.Engine;

namespace MockKit.Http2.Connection;

// What the connection does with the frames it receives on a stream, once for both roles: the one
// stream lookup (idle, closed, late frames: RFC 9113 section 5.1) and state transition, the DATA
// path (windows, padding, empty-DATA flood, content-length), RST_STREAM, trailers, the stream-error
// skeleton, and the credit the roles return as they consume. The role is told only what the frame
// means to its stream (IHttp2ConnectionListener). Runs on the reader loop, except the credit API.
public sealed partial class Http2ConnectionCore
{
    private Http2Stream? _receiving; // Reader loop only: the stream of the frame being handled (it may have left the table).

    /// <summary>
    /// Who reset the streams that left the table (section 5.1's rule for late frames). Guarded by the
    /// stream lock: the core records the peer's resets, the role records its own as it queues RST_STREAM.
    /// </summary>
    public Http2ResetStreams ResetStreams { get; } = new();

    /// <summary>
    /// The budget that DATA frames with neither data nor END_STREAM spend (CVE-2019-9518; DATA with
    /// data earns one unit back); null for none. Set by the role before the reader loop starts.
    /// </summary>
    public Http2FloodGuard? EmptyDataGuard { get; set; }

    /// <summary>
    /// Frames on streams that are neither open nor idle: the client ignores them all (its streams also
    /// leave the table unreset, when it abandons a response or after GOAWAY); the server applies
    /// section 5.1 by who reset the stream (see <see cref="Http2ResetStreams"/>).
    /// </summary>
    private bool IgnoresLateFrames => Role == Http2Role.Client;

    private string PeerName => Role == Http2Role.Client ? "server" : "client";

    private string PeerMessage => Role == Http2Role.Client ? "response" : "request";

    /// <summary>
    /// The application consumed <paramref name="bytes"/> of DATA (or they were dropped unread): the
    /// connection's credit goes back, in a WINDOW_UPDATE once enough is owed (section 6.9).
    /// </summary>
    /// <param name="bytes">Bytes consumed.</param>
    public void ReturnConnectionCredit(int bytes)
    {
        if (bytes > 0)
        {
            QueueWindowUpdate(0, ReceiveWindow.OnDataConsumed(bytes), provoked: true);
        }
    }

    /// <summary>DATA (section 6.1), already charged to the connection window.</summary>
    private void OnData(in Http2Frame frame)
    {
        var length = frame.Header.Length;
        var data = Http2FrameReader.ReadData(frame);
        var endStream = frame.Header.HasFlag(Http2FrameFlags.EndStream);
        if (data.Length > 0)
        {
            EmptyDataGuard?.Credit(1); // Paid for with flow-control window.
        }
        else if (!endStream)
        {
            EmptyDataGuard?.Count(); // Nothing but a frame's cost, padding or not (CVE-2019-9518).
        }

        Http2Stream? stream;
        var holds = true;
        try
        {
            lock (_streamLock)
            {
                stream = ReceiveLocked(frame.StreamId, Http2FrameType.Data, endStream);
                if (stream is { HeadReceived: false })
                {
                    // Section 8.1: a message is the head first, then DATA. A server's stream opens with
                    // its request HEADERS; a client's may see DATA before the response's.
                    throw new Http2StreamException(frame.StreamId, Http2ErrorCode.ProtocolError, $"Malformed {PeerMessage} (RFC 9113 section 8.1): DATA before the {PeerMessage} HEADERS.");
                }

                if (stream is not null)
                {
                    stream.ReceiveWindow!.OnDataReceived(length); // Section 6.9.1; an overrun is a stream FLOW_CONTROL_ERROR.
                    stream.ContentReceived += data.Length;
                    holds = stream.ContentLengthHolds(endStream);
                }
            }
        }
        catch (Http2StreamException)
        {
            // Nobody will read the frame of a stream in error: the connection gets its credit back (section 6.9).
            ReturnConnectionCredit(length);
            throw;
        }

        if (stream is null)
        {
            // A stream nobody reads any more: credit the connection at once (section 6.9).
            ReturnConnectionCredit(length);
            return;
        }

        var padding = length - (int)data.Length;
        if (padding > 0)
        {
            // Padding never reaches the application: it counts as consumed now (the stream's only while
            // more DATA may come).
            if (!endStream)
            {
                QueueWindowUpdate(frame.StreamId, stream.ReceiveWindow!.OnDataConsumed(padding), provoked: true);
            }

            ReturnConnectionCredit(padding);
        }

        if (!holds)
        {
            ReturnConnectionCredit((int)data.Length); // The stream is reset; nobody reads these bytes.
            throw stream.ContentLengthMismatch(frame.StreamId, PeerMessage);
        }

        _listener.OnData(stream, data, endStream);
    }

    /// <summary>
    /// A complete HEADERS block: the stream it opens (null: idle, a server's new stream) or continues
    /// (checked as trailers once the head arrived, section 8.1); false when the block is to be ignored
    /// (a late frame on a closed stream). The block was decoded whatever this decides (section 4.3).
    /// </summary>
    private bool TryReceiveHeaders(int streamId, bool endStream, out Http2Stream? stream)
    {
        lock (_streamLock)
        {
            if (_streams.Find(streamId) is null && _streams.IsIdle(streamId) && Role == Http2Role.Server)
            {
                stream = null; // A new request stream: the role opens it (section 5.1: idle → open).
                return true;
            }

            stream = ReceiveLocked(streamId, Http2FrameType.Headers, endStream);
            if (stream is null)
            {
                return false;
            }

            if (stream.HeadReceived)
            {
                if (!endStream)
                {
                    // Section 8.1: a second HEADERS (trailers) must carry END_STREAM.
                    throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, $"Malformed {PeerMessage} (RFC 9113 section 8.1): trailers without END_STREAM.");
                }

                if (!stream.ContentLengthHolds(endStream: true))
                {
                    throw stream.ContentLengthMismatch(streamId, PeerMessage);
                }
            }

            return true;
        }
    }

    /// <summary>
    /// The stream of a received DATA or HEADERS frame (<see cref="FindLocked"/>, then the late-frame
    /// rule for a closed one) after its section 5.1 transition; null when the frame is to be ignored. A
    /// stream the transition closes leaves the table at once when <see cref="ForgetsClosedStreams"/>.
    /// </summary>
    private Http2Stream? ReceiveLocked(int streamId, Http2FrameType type, bool endStream)
    {
        var found = FindLocked(streamId, type);
        if (found is null)
        {
            OnClosedStreamFrameLocked(streamId, type);
            return null;
        }

        if (!found.State!.OnReceive(type, endStream))
        {
            return null;
        }

        if (ForgetsClosedStreams && found.State.State == Http2StreamState.Closed)
        {
            _streams.Remove(streamId);
        }

        var stream = (Http2Stream)found;
        _receiving = stream;
        return stream;
    }

    /// <summary>
    /// The one lookup of a received frame's stream (under the stream lock): the stream in the table,
    /// or null for a closed one; a frame other than HEADERS or PRIORITY on an idle id is a connection
    /// error PROTOCOL_ERROR (section 5.1; section 6.4 says it of RST_STREAM, 6.9 of WINDOW_UPDATE).
    /// Every even id is idle to a client that refuses push.
    /// </summary>
    private IHttp2Stream? FindLocked(int streamId, Http2FrameType type)
    {
        var found = _streams.Find(streamId);
        if (found is null && _streams.IsIdle(streamId))
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"{WireName(type)} on idle stream {streamId}.");
        }

        return found;
    }

    /// <summary>DATA or HEADERS on a stream that is closed (not in the table, not idle): section 5.1's late-frame rule.</summary>
    private void OnClosedStreamFrameLocked(int streamId, Http2FrameType type)
    {
        if (IgnoresLateFrames)
        {
            return;
        }

        switch (ResetStreams.Of(streamId))
        {
            case Http2ResetStreams.ResetBy.Us:
                return; // Section 5.1: "An endpoint MUST ignore frames that it receives on closed streams after it has sent a RST_STREAM frame."
            case Http2ResetStreams.ResetBy.Peer:
                // Section 5.1: "any frame other than PRIORITY after receiving a RST_STREAM" is a stream error.
                throw new Http2StreamException(streamId, Http2ErrorCode.StreamClosed, $"{WireName(type)} on stream {streamId} after the {PeerName} reset it.");
        }

        if (type == Http2FrameType.Data)
        {
            // Section 6.1: DATA on a stream neither open nor half-closed (local) is a stream error STREAM_CLOSED.
            throw new Http2StreamException(streamId, Http2ErrorCode.StreamClosed, $"DATA on closed stream {streamId}.");
        }

        // Section 5.1: frames after END_STREAM both ways are a connection error STREAM_CLOSED; section
        // 5.1.1 makes lower unused ids closed too.
        throw new Http2ConnectionException(Http2ErrorCode.StreamClosed, $"{WireName(type)} on closed stream {streamId}.");
    }

    /// <summary>RST_STREAM (section 6.4): the stream closes, its sender stops; the role decides what it means.</summary>
    private void OnReset(int streamId, Http2ErrorCode code)
    {
        IHttp2Stream? found;
        bool closedNow;
        lock (_streamLock)
        {
            found = FindLocked(streamId, Http2FrameType.RstStream);
            if (found is null)
            {
                return; // Already closed: a reset crossing ours, or a late one (section 5.1 allows it).
            }

            // False when the stream was already closed (our END_STREAM or RST_STREAM crossed this one):
            // then the peer's reset changes nothing about later frames (section 5.1).
            closedNow = found.State!.OnReceive(Http2FrameType.RstStream, false);
            if (closedNow)
            {
                ResetStreams.OnResetByPeer(streamId);
            }

            if (ForgetsClosedStreams)
            {
                _streams.Remove(streamId);
            }
        }

        // Outside the lock: both complete tasks. The role's failure wins (the window keeps the first).
        var failure = _listener.OnReset((Http2Stream)found, code, closedNow);
        found.SendWindow?.Abort(failure);
    }

    /// <summary>A stream error (section 5.4.2): the stream it concerns, if still known, goes to the role to reset and fail.</summary>
    private void OnStreamError(Http2StreamException exception)
    {
        IHttp2Stream? found;
        lock (_streamLock)
        {
            found = _streams.Find(exception.StreamId);
        }

        // The frame in error may have closed its stream (END_STREAM took it out of the table): it is
        // still the frame's stream, and its caller must fail, not wait.
        var stream = found as Http2Stream;
        if (stream is null && _receiving is IHttp2Stream current && current.Id == exception.StreamId)
        {
            stream = _receiving;
        }

        _listener.OnStreamError(exception, stream, inTable: found is not null);
    }

    private static string WireName(Http2FrameType type) => type switch
    {
        Http2FrameType.Data => "DATA",
        Http2FrameType.Headers => "HEADERS",
        Http2FrameType.RstStream => "RST_STREAM",
        Http2FrameType.WindowUpdate => "WINDOW_UPDATE",
        _ => type.ToString(),
    };
}
