using System.Buffers;
using System.Threading.Channels;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The single writer (STYLE rule 4): frame producers are queued on a channel and run, in order,
/// by one loop that owns the HPACK encoder and the output buffer. Queuing never blocks, so the
/// reader loop can answer PING/SETTINGS and send WINDOW_UPDATE while a stream's exchange waits
/// for flow-control credit.
/// </summary>
/// <remarks>
/// Memory is bounded three ways. Response frames: each exchange waits for its flush and for
/// flow control, and DATA producers refer to the scripted body rather than copying it. Bytes in
/// flight: the batch buffer stops at <see cref="WriteBatchLimit"/> before a write. Replies the
/// peer provokes (PING and SETTINGS ACKs, RST_STREAM, WINDOW_UPDATE, GOAWAY): at most
/// <see cref="MaxQueuedControlFrames"/> may wait; the flood guards bound how fast a reading
/// peer can provoke them, and this cap catches the peer that provokes them just under the guards
/// but never reads, so the writer stays blocked while the queue would grow forever. Past the
/// cap the connection is closed (logged once), as Go's server does with its queued control frames.
/// </remarks>
internal sealed partial class Http2ServerSession
{
    // Bytes gathered before a write is issued even though more frames are queued.
    private const int WriteBatchLimit = 64 * 1024;

    private readonly Channel<WriteItem> _writes;
    private readonly HpackEncoder _encoder = new();           // Writer loop only.
    private readonly PooledBufferWriter _headerBlock = new(); // Writer loop only: scratch for encoded field blocks.

    private int _queuedControlFrames; // Interlocked: queued by anyone, taken by the writer loop.
    private int _writeQueueFull;      // 1 once the control-frame cap was hit (the connection is being closed).

    /// <summary>Queues a frame producer; it runs on the writer loop.</summary>
    private void Queue(Action<IBufferWriter<byte>> frame) => _writes.Writer.TryWrite(new WriteItem(frame, null, false));

    /// <summary>
    /// Queues a reply the peer provoked; counted against <see cref="MaxQueuedControlFrames"/>. Past
    /// the cap the frame is dropped and the connection closed: the peer has stopped reading.
    /// </summary>
    private void QueueControl(Action<IBufferWriter<byte>> frame)
    {
        var queued = Interlocked.Increment(ref _queuedControlFrames);
        if (queued > MaxQueuedControlFrames)
        {
            Interlocked.Decrement(ref _queuedControlFrames);
            OnWriteQueueFull(queued - 1);
            return;
        }

        if (!_writes.Writer.TryWrite(new WriteItem(frame, null, false, Control: true)))
        {
            Interlocked.Decrement(ref _queuedControlFrames); // The writer is gone.
        }
    }

    /// <summary>True once the peer stopped reading and the connection is being closed; the reader loop stops.</summary>
    private bool WriteQueueFull => Volatile.Read(ref _writeQueueFull) != 0;

    private void OnWriteQueueFull(int queued)
    {
        if (Interlocked.Exchange(ref _writeQueueFull, 1) != 0)
        {
            return;
        }

        // Logged once, loudly: not the quiet IOException of a client that went away. The
        // GOAWAY would only join the queue the peer does not read, so the socket is closed now;
        // the blocked write fails and the writer, then the reader, end.
        _server.Log($"[conn {_connection.Index} h2] closing: {queued} replies queued for a peer that does not read them (limit {MaxQueuedControlFrames}).");
        _connection.Abort();
    }

    /// <summary>Completes once everything queued before it has been written and flushed.</summary>
    private Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_writes.Writer.TryWrite(new WriteItem(null, done, false)))
        {
            return Task.CompletedTask; // The writer is gone; there is nothing left to flush.
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The flush of <see cref="Http2DataStream"/>.</summary>
    internal Task FlushForStreamAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    /// <summary>Writes everything queued so far, then closes the socket (on the writer loop, so no write races the close).</summary>
    private Task QueueCloseAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_writes.Writer.TryWrite(new WriteItem(null, done, true)))
        {
            _connection.Abort();
            return Task.CompletedTask;
        }

        return done.Task;
    }

    /// <summary>Queues SETTINGS (our preface, or <see cref="MockResponse.Settings"/>); applied to our side once acknowledged.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="enableConnectProtocol">Adds SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 section 3; the preface only).</param>
    private void QueueLocalSettings(Http2Settings settings, bool enableConnectProtocol = false)
    {
        lock (_lock)
        {
            _unacknowledged.Enqueue(settings);
            if (settings.MaxConcurrentStreams is { } max)
            {
                _maxConcurrentStreams = max; // Enforced at once: a client that has not seen it yet gets REFUSED_STREAM, which it may retry.
            }
        }

        if (enableConnectProtocol)
        {
            var entries = Http2SettingsCodec.ToEntries(settings);
            entries.Add(new Http2Setting(Http2SettingId.EnableConnectProtocol, 1));
            Queue(w => Http2FrameWriter.WriteSettings(w, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries)));
            return;
        }

        Queue(w => Http2FrameWriter.WriteSettings(w, settings));
    }

    /// <summary>Queues RST_STREAM; the stream counts as reset by us from now on (late frames are ignored).</summary>
    private void QueueReset(int streamId, Http2ErrorCode code, Http2ServerStream? stream = null)
    {
        lock (_lock)
        {
            stream ??= _streams.GetValueOrDefault(streamId);
            stream?.State.OnSend(Http2FrameType.RstStream, false);
            if (_resetByUs.Count > 10_000)
            {
                _resetByUs.Clear(); // Bounded: very old ids only lose the "ignore late frames" courtesy.
            }

            _resetByUs.Add(streamId);
        }

        QueueControl(w => Http2FrameWriter.WriteRstStream(w, streamId, code));
    }

    /// <summary>Queues GOAWAY naming the last client stream we will process (section 6.8); later ones are refused.</summary>
    private void QueueGoAway(Http2ErrorCode code, string? reason)
    {
        int last;
        bool finish;
        lock (_lock)
        {
            if (_goAwaySent && code == Http2ErrorCode.NoError)
            {
                return;
            }

            _goAwaySent = true;
            last = _lastClientStreamId;
            finish = _streams.Count == 0;
        }

        Log($"GOAWAY({code}, last stream {last}){(reason is null ? string.Empty : ": " + reason)}");
        var debug = code == Http2ErrorCode.NoError || reason is null ? [] : System.Text.Encoding.UTF8.GetBytes(reason[..Math.Min(reason.Length, 200)]);
        QueueControl(w => Http2FrameWriter.WriteGoAway(w, last, code, debug));
        if (finish && code == Http2ErrorCode.NoError)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>Queues a HEADERS block (with CONTINUATIONs as needed) for a stream, unless the stream was reset meanwhile.</summary>
    private void QueueHeaders(Http2ServerStream stream, List<HpackHeaderField> fields, bool endStream)
    {
        Queue(w =>
        {
            if (!BeginSend(stream, Http2FrameType.Headers, endStream))
            {
                return;
            }

            _headerBlock.Clear();
            _encoder.Encode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fields), _headerBlock);
            Http2FrameWriter.WriteHeaderBlock(w, stream.Id, _headerBlock.WrittenSpan, endStream, _peerMaxFrameSize);
        });
    }

    /// <summary>Applies a send to the stream state (under _lock); false when the stream is closed (reset) and the frame must be dropped.</summary>
    private bool BeginSend(Http2ServerStream stream, Http2FrameType type, bool endStream)
    {
        lock (_lock)
        {
            if (stream.State.State == Http2StreamState.Closed)
            {
                return false;
            }

            try
            {
                stream.State.OnSend(type, endStream);
                return true;
            }
            catch (InvalidOperationException)
            {
                // Not legal in this state (section 5.1), e.g. the exchange ended its side already: drop it.
                return false;
            }
        }
    }

    private async Task RunWriterAsync()
    {
        await Task.Yield(); // The session's reader starts without waiting for the writer's first turn.
        var transport = _connection.Transport;

        // Not the shutdown token: the GOAWAY of a server shutdown is written after it is cancelled.
        // A write blocked on a client that does not read ends when shutdown aborts the socket.
        var ct = CancellationToken.None;
        using var buffer = new PooledBufferWriter(WriteBatchLimit);
        var completed = new List<TaskCompletionSource>();
        var reader = _writes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var close = false;
                while (!close && reader.TryRead(out var item))
                {
                    if (item.Control)
                    {
                        Interlocked.Decrement(ref _queuedControlFrames);
                    }

                    try
                    {
                        item.Frame?.Invoke(buffer);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        // A producer failed before writing anything (e.g. a field value HPACK cannot
                        // carry): drop that frame, keep the connection; say so loudly.
                        _server.Log($"[conn {_connection.Index} h2] FAILED to write a frame: {e}");
                    }
                    if (item.Done is { } done)
                    {
                        completed.Add(done);
                    }

                    close = item.CloseSocket;
                    if (buffer.WrittenCount >= WriteBatchLimit)
                    {
                        await transport.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                        buffer.Clear();
                    }
                }

                if (buffer.WrittenCount > 0)
                {
                    await transport.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                    buffer.Clear();
                }

                await transport.FlushAsync(ct).ConfigureAwait(false);
                if (close)
                {
                    _writes.Writer.TryComplete();
                    await _connection.CloseSocketAsync().ConfigureAwait(false);
                }

                foreach (var done in completed)
                {
                    done.TrySetResult();
                }

                completed.Clear();
                if (close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            // The socket is gone (client closed, policy or shutdown closed it): nothing more can be written.
            Log($"writer stopped: {e.GetType().Name}: {e.Message}");
            _connection.Abort();
        }
        finally
        {
            _writes.Writer.TryComplete();
            _headerBlock.Dispose();
            foreach (var done in completed)
            {
                done.TrySetResult();
            }

            // Release anyone still waiting on a flush: there will be no more writes.
            while (reader.TryRead(out var item))
            {
                item.Done?.TrySetResult();
            }
        }
    }

    /// <summary>
    /// One unit of writer work: a frame producer, and/or a completion to signal once flushed, and/or
    /// "close the socket after"; <paramref name="Control"/> marks a reply counted in <c>_queuedControlFrames</c>.
    /// </summary>
    private readonly record struct WriteItem(Action<IBufferWriter<byte>>? Frame, TaskCompletionSource? Done, bool CloseSocket, bool Control = false);
}
