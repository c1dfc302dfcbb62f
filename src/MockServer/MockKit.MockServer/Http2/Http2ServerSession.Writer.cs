using System.Buffers;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;
using MockKit.Transport;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The server's use of the shared single writer (<see cref="Http2FrameQueue"/>, STYLE rule 4):
/// what it queues, and the cap on replies queued for a peer that does not read. Queuing never
/// blocks, so the reader loop can answer PING/SETTINGS and send WINDOW_UPDATE while a stream's
/// exchange waits for flow-control credit.
/// </summary>
/// <remarks>
/// Memory is bounded three ways (see <see cref="Http2FrameQueue"/>): response frames wait for their
/// flush and for flow control, the batch stops at <see cref="Http2FrameQueue.WriteBatchLimit"/>, and
/// at most <see cref="MaxQueuedControlFrames"/> provoked replies may wait. Past the cap the
/// connection is closed (logged once).
/// </remarks>
internal sealed partial class Http2ServerSession
{
    private readonly Http2FrameQueue _frames;

    /// <summary>Queues a frame producer; it runs on the writer loop.</summary>
    private void Queue(Action<IBufferWriter<byte>> frame) => _frames.Queue(frame);

    /// <summary>
    /// Queues a reply the peer provoked; counted against <see cref="MaxQueuedControlFrames"/>. Past
    /// the cap the frame is dropped and the connection closed: the peer has stopped reading.
    /// </summary>
    private void QueueControl(Action<IBufferWriter<byte>> frame) => _frames.QueueControl(frame);

    /// <summary>True once the peer stopped reading and the connection is being closed; the reader loop stops.</summary>
    private bool WriteQueueFull => _frames.IsControlQueueFull;

    private void OnWriteQueueFull(int queued)
    {
        // Logged once, loudly: not the quiet IOException of a client that went away. The
        // GOAWAY would only join the queue the peer does not read, so the socket is closed now;
        // the blocked write fails and the writer, then the reader, end.
        Log($"closing: {queued} replies queued for a peer that does not read them (limit {MaxQueuedControlFrames}).");
        _connection.Abort();
    }

    /// <summary>Completes once everything queued before it has been written and flushed.</summary>
    private Task FlushAsync(CancellationToken cancellationToken) => _core.FlushAsync(cancellationToken);

    /// <summary>Writes everything queued so far, then closes the socket (on the writer loop, so no write races the close).</summary>
    private Task QueueCloseAsync()
    {
        if (_frames.QueueClose(null, () => _connection.CloseSocketAsync().AsTask()) is { } closed)
        {
            return closed;
        }

        _connection.Abort();
        return Task.CompletedTask;
    }

    /// <summary>Queues SETTINGS (our preface, or <see cref="MockResponse.Settings"/>); applied to our side once acknowledged.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="enableConnectProtocol">Adds SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 section 3; the preface only).</param>
    private void QueueLocalSettings(Http2Settings settings, bool enableConnectProtocol = false)
    {
        if (settings.MaxConcurrentStreams is { } max)
        {
            lock (_lock)
            {
                _maxConcurrentStreams = max; // Enforced at once: a client that has not seen it yet gets REFUSED_STREAM, which it may retry.
            }
        }

        _core.QueueSettings(settings, enableConnectProtocol);
    }

    /// <summary>
    /// Queues RST_STREAM through the core (<see cref="Http2ConnectionCore.QueueResetReply"/>): the stream
    /// counts as reset by us from now on (late frames are ignored), unless the peer reset it first.
    /// </summary>
    private void QueueReset(int streamId, Http2ErrorCode code, Http2ServerStream? stream = null) => _core.QueueResetReply(streamId, code, stream);

    /// <summary>
    /// Queues GOAWAY through the core (<see cref="Http2ConnectionCore.QueueGoAway"/>: the last client
    /// stream we will process, section 6.8; later ones are refused); a connection error's reason goes
    /// in its debug data. After a graceful one with no stream open, the session ends now.
    /// </summary>
    private void QueueGoAway(Http2ErrorCode code, string? reason)
    {
        var last = _core.QueueGoAway(code, DebugData(code, reason));
        if (last < 0)
        {
            return; // A graceful GOAWAY was already sent.
        }

        LogGoAway(code, last, reason);
        bool finish;
        lock (_lock)
        {
            finish = _streams.Count == 0;
        }

        if (finish && code == Http2ErrorCode.NoError)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>
    /// After a connection error (section 5.4.1), through the core: GOAWAY with the reason as debug data,
    /// then on the writer loop the staged close (<see cref="Http2StagedClose"/>: half-close, drain what
    /// the client still sends for a bounded time) and the socket's close. The reader loop has ended.
    /// </summary>
    private Task GoAwayAndCloseAsync(Http2ErrorCode code, string? reason)
    {
        var debug = DebugData(code, reason);
        if (WriteQueueFull)
        {
            // Dropped at the full queue, as any reply now: the socket is already closed.
            LogGoAway(code, _core.QueueGoAway(code, debug), reason);
            return QueueCloseAsync();
        }

        var closed = _core.QueueGoAwayAndClose(code, debug, () => _connection.ShutdownSocket(input: false, output: true), DiscardInputAsync, out var last, () => _connection.CloseSocketAsync().AsTask());
        LogGoAway(code, last, reason);
        if (closed is not null)
        {
            return closed;
        }

        _connection.Abort();
        return Task.CompletedTask;
    }

    private void LogGoAway(Http2ErrorCode code, int lastStreamId, string? reason) =>
        Log($"GOAWAY({code}, last stream {lastStreamId}){(reason is null ? string.Empty : ": " + reason)}");

    /// <summary>A connection error's reason for the peer (section 6.8's debug data, at most 200 characters); none for a graceful GOAWAY.</summary>
    private static byte[] DebugData(Http2ErrorCode code, string? reason) =>
        code == Http2ErrorCode.NoError || reason is null ? [] : System.Text.Encoding.UTF8.GetBytes(reason[..Math.Min(reason.Length, 200)]);

    /// <summary>Queues a HEADERS block (with CONTINUATIONs as needed) for a stream, unless the stream was reset meanwhile.</summary>
    private void QueueHeaders(Http2ServerStream stream, List<HpackHeaderField> fields, bool endStream) => _core.QueueHeaders(stream, fields, endStream);

    private async Task RunWriterAsync()
    {
        // Not the shutdown token: the GOAWAY of a server shutdown is written after it is cancelled.
        // A write blocked on a client that does not read ends when shutdown aborts the socket.
        try
        {
            await _frames.RunAsync(OnProducerFailed).ConfigureAwait(false);
        }
        catch (Exception e) when (TransportFailure.IsTransportLoopEnd(e))
        {
            // The socket is gone (client closed, policy or shutdown closed it): nothing more can be written.
            Log($"writer stopped: {e.GetType().Name}: {e.Message}");
            _connection.Abort();
        }
    }

    /// <summary>
    /// A producer failed before writing anything (e.g. a field value HPACK cannot carry): drop that
    /// frame, keep the connection; say so loudly. Anything else ends the writer.
    /// </summary>
    private bool OnProducerFailed(Exception e)
    {
        if (e is ArgumentException or InvalidOperationException)
        {
            Log($"FAILED to write a frame: {e}");
            return true;
        }

        return false;
    }
}
