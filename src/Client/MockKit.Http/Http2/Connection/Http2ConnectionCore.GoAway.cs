using MockKit.Http2.Engine;

namespace MockKit.Http2.Connection;

// GOAWAY (RFC 9113 section 6.8), once for both roles: the one we send (at most one graceful one,
// naming the highest peer-initiated stream we processed) and the peer's (the last stream it will
// process, and that it goes away). What going away means to the streams is the role's: the server
// refuses new requests and ends once its exchanges are done, the client retries the streams the
// peer did not process and opens no more.
public sealed partial class Http2ConnectionCore
{
    private bool _goAwaySent;                             // Guarded by _streamLock.
    private Http2ErrorCode? _peerGoAwayCode;              // Guarded by _streamLock.
    private int _peerGoAwayLastStreamId = int.MaxValue;   // Guarded by _streamLock.

    /// <summary>True once we queued GOAWAY (read under the stream lock): new streams of the peer are refused from now on.</summary>
    public bool GoAwaySent => _goAwaySent;

    /// <summary>The error code of the peer's last GOAWAY, or null while it sent none (read under the stream lock).</summary>
    public Http2ErrorCode? PeerGoAwayCode => _peerGoAwayCode;

    /// <summary>True once the peer sent GOAWAY: it opens no more streams and processes none above <see cref="PeerGoAwayLastStreamId"/>.</summary>
    public bool PeerGoingAway => _peerGoAwayCode is not null;

    /// <summary>
    /// The lowest last-stream-id of the peer's GOAWAY frames (int.MaxValue before any): streams of ours
    /// above it were not processed and may be retried (section 6.8: a later GOAWAY may lower it, never raise it).
    /// </summary>
    public int PeerGoAwayLastStreamId => _peerGoAwayLastStreamId;

    /// <summary>True once either side sent GOAWAY (read under the stream lock): the connection ends when its streams are done.</summary>
    public bool GoingAway => _goAwaySent || _peerGoAwayCode is not null;

    /// <summary>
    /// Queues GOAWAY (section 6.8) naming the highest stream the peer opened that we processed (a
    /// client, refusing push, has none: 0). A graceful one (NO_ERROR) is sent at most once; a
    /// connection error's is the last frame the connection sends (section 5.4.1).
    /// </summary>
    /// <param name="code">NO_ERROR for a graceful shutdown, or the connection error.</param>
    /// <param name="debugData">Diagnostic bytes for the peer (section 6.8: opaque); not copied, so not reused.</param>
    /// <returns>The last stream id named, or -1 when nothing was queued (a graceful GOAWAY was already sent).</returns>
    public int QueueGoAway(Http2ErrorCode code, ReadOnlyMemory<byte> debugData = default)
    {
        int last;
        lock (_streamLock)
        {
            if (_goAwaySent && code == Http2ErrorCode.NoError)
            {
                return -1;
            }

            _goAwaySent = true;
            last = _streams.LastPeerStreamId;
        }

        // A connection error's GOAWAY is final (see Http2FrameQueue.QueueControl): a frame queued behind
        // it by an ending stream would only race the close and could destroy it unread at the peer.
        _frames.QueueControl(w => Http2FrameWriter.WriteGoAway(w, last, code, debugData.Span), final: code != Http2ErrorCode.NoError);
        return last;
    }

    /// <summary>
    /// Ends the connection after GOAWAY, for both roles (section 6.8; after a connection error, section
    /// 5.4.1: "MUST close the TCP connection"): <see cref="QueueGoAway"/>, then on the writer loop, once
    /// everything queued before is flushed, the staged close (<see cref="Http2StagedClose"/>: half-close,
    /// drain the peer for a bounded time) and <paramref name="close"/>; the writer ends there. Call it
    /// once the reader loop has ended: the drain reads the input.
    /// </summary>
    /// <param name="code">NO_ERROR, or the connection error.</param>
    /// <param name="debugData">Diagnostic bytes for the peer; not copied, so not reused.</param>
    /// <param name="shutdownOutput">Sends FIN after the GOAWAY.</param>
    /// <param name="readSome">Reads and discards some input; false once the peer closed.</param>
    /// <param name="lastStreamId">The last stream id the GOAWAY names (see <see cref="QueueGoAway"/>).</param>
    /// <param name="close">Closes the transport after the drain, when the role closes it here.</param>
    /// <returns>Completes after the close; null when the writer had already ended (close the transport yourself).</returns>
    public Task? QueueGoAwayAndClose(Http2ErrorCode code, ReadOnlyMemory<byte> debugData, Action shutdownOutput, Func<CancellationToken, ValueTask<bool>> readSome, out int lastStreamId, Func<Task>? close = null)
    {
        lastStreamId = QueueGoAway(code, debugData);
        return _frames.QueueClose(null, async () =>
        {
            await Http2StagedClose.DrainAsync(shutdownOutput, readSome).ConfigureAwait(false);
            if (close is not null)
            {
                await close().ConfigureAwait(false);
            }
        });
    }

    /// <summary>The peer's GOAWAY: recorded, then the role decides what it means to its streams.</summary>
    private void OnGoAway(in Http2Frame frame)
    {
        var goAway = Http2FrameReader.ReadGoAway(frame);
        lock (_streamLock)
        {
            _peerGoAwayCode = goAway.ErrorCode;
            _peerGoAwayLastStreamId = Math.Min(_peerGoAwayLastStreamId, goAway.LastStreamId);
        }

        _listener.OnGoAway(goAway);
    }
}
