using System.Buffers;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection;

// The one SEND path, for both roles: everything a role sends on a stream (HEADERS, DATA,
// RST_STREAM, WINDOW_UPDATE) is queued here on the single writer (Http2FrameQueue), and every
// frame that changes a stream's state passes TryBeginSend on the writer loop, just before it is
// written, so the section 5.1 state follows the wire order, not the order the exchanges queued in.
//
// DATA: an exchange takes credit under both windows (Http2SendCredit, section 5.2) for at most the
// peer's SETTINGS_MAX_FRAME_SIZE (section 4.2), then queues one frame producer per frame. A frame
// whose stream was reset meanwhile is dropped on the writer loop and its connection credit given
// back: the peer never sees it, so it never counts against the connection window (section 6.9.1).
public sealed partial class Http2ConnectionCore
{
    private (Http2FloodGuard Guard, int Units)[] _dataSentCredit = []; // Set before the loops start; read by the writer loop.

    /// <summary>
    /// True for a role that forgets a stream as soon as it closes (section 5.1), whichever side's
    /// frame closed it (END_STREAM both ways, or RST_STREAM), as the client does; false for one that
    /// forgets it when its exchange ends (the server, which counts its active streams there).
    /// </summary>
    public bool ForgetsClosedStreams { get; init; }

    /// <summary>
    /// Credits <paramref name="guard"/> with <paramref name="units"/> for every non-empty DATA frame
    /// written: the peer answers DATA with WINDOW_UPDATE (and some peers with PINGs that estimate
    /// bandwidth), which its flood guard (RFC 9113 section 10.5) must not count as abuse. Call
    /// before the connection starts.
    /// </summary>
    public void CreditOnDataSent(Http2FloodGuard guard, int units) => _dataSentCredit = [.. _dataSentCredit, (guard, units)];

    /// <summary>Completes once everything queued before it has been written and flushed (at once when the writer has ended).</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => _frames.FlushAsync(cancellationToken);

    /// <summary>
    /// Applies a frame about to be written to the stream's state (section 5.1), under the stream
    /// lock. False when the frame must be dropped: the stream is not open yet, is closed (reset by
    /// either side), or the frame is not legal in its state (e.g. our side already ended).
    /// </summary>
    /// <param name="stream">The stream the frame is sent on.</param>
    /// <param name="type">HEADERS, DATA, PUSH_PROMISE or RST_STREAM.</param>
    /// <param name="endStream">The frame carries END_STREAM.</param>
    public bool TryBeginSend(IHttp2Stream stream, Http2FrameType type, bool endStream)
    {
        lock (_streamLock)
        {
            if (stream.State is not { State: not Http2StreamState.Closed } state
                || (type == Http2FrameType.Data && state.State is not (Http2StreamState.Open or Http2StreamState.HalfClosedRemote)))
            {
                return false; // The common refusals, without the cost of an exception.
            }

            try
            {
                state.OnSend(type, endStream);
            }
            catch (InvalidOperationException)
            {
                return false; // Not legal in this state (section 5.1): drop it.
            }

            if (ForgetsClosedStreams && state.State == Http2StreamState.Closed)
            {
                _streams.Remove(stream.Id);
            }

            return true;
        }
    }

    /// <summary>
    /// Queues a field block (HEADERS + CONTINUATION, sections 6.2, 6.10) on an open stream, encoded
    /// by the writer loop; dropped when <see cref="TryBeginSend"/> refuses it then.
    /// </summary>
    public void QueueHeaders(IHttp2Stream stream, List<HpackHeaderField> fields, bool endStream)
    {
        stream.EndStreamQueued |= endStream;
        _frames.Queue(w => WriteHeadersAndData(w, stream, fields, ReadOnlyMemory<byte>.Empty, endStream));
    }

    /// <summary>
    /// Writer loop: a field block (HEADERS + CONTINUATION, HPACK-encoded now, section 4.3) and, when
    /// <paramref name="body"/> is not empty, one DATA frame whose credit is already taken, END_STREAM
    /// on the last of them; each frame dropped when <see cref="TryBeginSend"/> refuses it. A role's
    /// own producer calls this to queue a response head and a small body as one writer item.
    /// </summary>
    public void WriteHeadersAndData(IBufferWriter<byte> output, IHttp2Stream stream, List<HpackHeaderField> fields, ReadOnlyMemory<byte> body, bool endStream)
    {
        var headersEnd = endStream && body.IsEmpty;
        try
        {
            if (TryBeginSend(stream, Http2FrameType.Headers, headersEnd))
            {
                _frames.HeaderBlocks.WriteHeaders(output, stream.Id, fields, headersEnd, PeerMaxFrameSize);
            }
        }
        catch
        {
            SendWindow.Return(body.Length); // The DATA will not be written (a field HPACK cannot carry): the connection keeps its credit.
            throw;
        }

        if (!body.IsEmpty)
        {
            WriteDataFrame(output, stream, body, endStream);
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> as DATA frames no larger than the peer's SETTINGS_MAX_FRAME_SIZE,
    /// each within both flow-control windows (section 5.2, <see cref="Http2SendCredit"/>). Returns
    /// once every frame is queued; the frames refer to <paramref name="data"/> until the writer has
    /// written them, so the caller must not reuse its memory (copy first, or use fresh buffers).
    /// </summary>
    /// <param name="stream">An open stream.</param>
    /// <param name="data">The bytes; empty with <paramref name="endStream"/> sends an empty DATA frame with END_STREAM.</param>
    /// <param name="endStream">The last frame carries END_STREAM (section 8.1).</param>
    /// <param name="cancellationToken">Ends a wait for credit.</param>
    public async ValueTask WriteDataAsync(IHttp2Stream stream, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            if (endStream)
            {
                QueueData(stream, data, endStream: true);
            }

            return;
        }

        var window = stream.SendWindow ?? throw new InvalidOperationException($"Stream {stream.Id} is not open: DATA needs its send window.");
        while (!data.IsEmpty)
        {
            var wanted = Math.Min(data.Length, PeerMaxFrameSize);
            var granted = await Http2SendCredit.AcquireAsync(window, SendWindow, wanted, cancellationToken).ConfigureAwait(false);
            var chunk = data[..granted];
            data = data[granted..];
            QueueData(stream, chunk, endStream && data.IsEmpty);
        }
    }

    /// <summary>
    /// Queues one DATA frame whose credit was taken under both windows (nothing for an empty one):
    /// written by <see cref="WriteDataFrame"/> on the writer loop.
    /// </summary>
    public void QueueData(IHttp2Stream stream, ReadOnlyMemory<byte> chunk, bool endStream)
    {
        stream.EndStreamQueued |= endStream;
        _frames.Queue(new DataFrame(this, stream, chunk, endStream)); // One object per frame: no closure and delegate.
    }

    /// <summary>
    /// Writer loop: one DATA frame whose credit was taken, unless the stream was reset meanwhile;
    /// then nothing is written and the connection credit is given back.
    /// </summary>
    public void WriteDataFrame(IBufferWriter<byte> output, IHttp2Stream stream, ReadOnlyMemory<byte> chunk, bool endStream)
    {
        if (!TryBeginSend(stream, Http2FrameType.Data, endStream))
        {
            SendWindow.Return(chunk.Length); // The peer never sees it: the connection keeps the credit.
            return;
        }

        Http2FrameWriter.WriteData(output, stream.Id, chunk.Span, endStream);
        if (!chunk.IsEmpty)
        {
            foreach (var (guard, units) in _dataSentCredit)
            {
                guard.Credit(units);
            }
        }
    }

    /// <summary>
    /// Resets a stream we abandon (section 6.4): it is closed from now on (late DATA of ours is
    /// dropped), forgotten when <see cref="ForgetsClosedStreams"/>, and RST_STREAM is queued.
    /// False, and nothing queued, when the stream was not open (never opened, or already closed).
    /// </summary>
    public bool QueueReset(IHttp2Stream stream, Http2ErrorCode code)
    {
        lock (_streamLock)
        {
            if (stream.State is not { State: not Http2StreamState.Closed } state)
            {
                return false;
            }

            CloseByResetLocked(stream, state);
        }

        QueueResetFrame(stream.Id, code, provoked: false);
        return true;
    }

    /// <summary>
    /// Resets a stream in answer to the peer (section 5.4.2: a stream error, a refused or malformed
    /// stream), open or not: RST_STREAM is queued as a provoked reply; the stream, when known, is
    /// closed by our reset unless the peer reset it first (then it stays reset by the peer, and this
    /// RST_STREAM is one more answer to a late frame, section 5.1); and a role that applies section
    /// 5.1's late-frame rule remembers the reset as ours (<see cref="ResetStreams"/>).
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="code">Why.</param>
    /// <param name="stream">The stream when the caller has it (it may have left the table); otherwise looked up.</param>
    public void QueueResetReply(int streamId, Http2ErrorCode code, IHttp2Stream? stream = null)
    {
        lock (_streamLock)
        {
            stream ??= _streams.Find(streamId);
            if (stream?.State is { ResetByPeer: false } state)
            {
                CloseByResetLocked(stream, state);
            }

            if (!IgnoresLateFrames)
            {
                ResetStreams.OnResetByUs(streamId);
            }
        }

        QueueResetFrame(streamId, code, provoked: true);
    }

    /// <summary>
    /// Writer loop: RST_STREAM for <paramref name="stream"/> right behind the frames just written
    /// into <paramref name="output"/> (a stream abandoned while its HEADERS were being written,
    /// section 6.4), its state closed by it first.
    /// </summary>
    public void WriteReset(IBufferWriter<byte> output, IHttp2Stream stream, Http2ErrorCode code)
    {
        lock (_streamLock)
        {
            CloseByResetLocked(stream, stream.State ?? throw new InvalidOperationException($"Stream {stream.Id} was never opened: there is nothing to reset (section 6.4)."));
        }

        Http2FrameWriter.WriteRstStream(output, stream.Id, code);
    }

    /// <summary>Our RST_STREAM closes the stream (section 5.1); a role that forgets closed streams forgets it now.</summary>
    private void CloseByResetLocked(IHttp2Stream stream, Http2StreamStateMachine state)
    {
        state.OnSend(Http2FrameType.RstStream, false);
        if (ForgetsClosedStreams)
        {
            _streams.Remove(stream.Id);
        }
    }

    /// <summary>Queues the RST_STREAM frame alone (the caller has applied it to the stream's state, if it has one).</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="code">Why.</param>
    /// <param name="provoked">A reply the peer provoked: counted against the writer's cap (<see cref="Http2FrameQueue.QueueControl"/>).</param>
    public void QueueResetFrame(int streamId, Http2ErrorCode code, bool provoked)
    {
        if (provoked)
        {
            _frames.QueueControl(w => Http2FrameWriter.WriteRstStream(w, streamId, code));
        }
        else
        {
            _frames.Queue(w => Http2FrameWriter.WriteRstStream(w, streamId, code));
        }
    }

    /// <summary>Queues WINDOW_UPDATE (section 6.9) for a stream, or the connection (0); nothing when <paramref name="increment"/> is 0.</summary>
    /// <param name="streamId">The stream, or 0 for the connection.</param>
    /// <param name="increment">The credit returned.</param>
    /// <param name="provoked">A reply the peer provoked: counted against the writer's cap (<see cref="Http2FrameQueue.QueueControl"/>).</param>
    public void QueueWindowUpdate(int streamId, int increment, bool provoked)
    {
        if (increment <= 0)
        {
            return;
        }

        if (provoked)
        {
            _frames.QueueControl(w => Http2FrameWriter.WriteWindowUpdate(w, streamId, increment));
        }
        else
        {
            _frames.Queue(w => Http2FrameWriter.WriteWindowUpdate(w, streamId, increment));
        }
    }

    /// <summary>One queued DATA frame (<see cref="QueueData"/>): a producer object instead of a closure.</summary>
    private sealed class DataFrame(Http2ConnectionCore core, IHttp2Stream stream, ReadOnlyMemory<byte> chunk, bool endStream) : IHttp2FrameProducer
    {
        public void WriteFrames(IBufferWriter<byte> output) => core.WriteDataFrame(output, stream, chunk, endStream);
    }
}
