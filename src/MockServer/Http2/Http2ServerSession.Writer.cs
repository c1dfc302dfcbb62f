using System.Buffers;
using System.Threading.Channels;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The single writer (STYLE rule 4): frame producers are queued on an unbounded channel and run,
/// in order, by one loop that owns the HPACK encoder and the output buffer. Queuing never blocks,
/// so the reader loop can answer PING/SETTINGS and send WINDOW_UPDATE while a stream's exchange
/// waits for flow-control credit. Memory is bounded by flow control for DATA and by the flood
/// limits for control frames.
/// </summary>
internal sealed partial class Http2ServerSession
{
    // Bytes gathered before a write is issued even though more frames are queued.
    private const int WriteBatchLimit = 64 * 1024;

    private readonly Channel<WriteItem> _writes;
    private readonly HpackEncoder _encoder = new();           // Writer loop only.
    private readonly PooledBufferWriter _headerBlock = new(); // Writer loop only: scratch for encoded field blocks.

    /// <summary>Queues a frame producer; it runs on the writer loop.</summary>
    private void Queue(Action<IBufferWriter<byte>> frame) => _writes.Writer.TryWrite(new WriteItem(frame, null, false));

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
    private void QueueLocalSettings(Http2Settings settings)
    {
        lock (_lock)
        {
            _unacknowledged.Enqueue(settings);
            if (settings.MaxConcurrentStreams is { } max)
            {
                _maxConcurrentStreams = max; // Enforced at once: a client that has not seen it yet gets REFUSED_STREAM, which it may retry.
            }
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

        Queue(w => Http2FrameWriter.WriteRstStream(w, streamId, code));
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
        Queue(w => Http2FrameWriter.WriteGoAway(w, last, code, debug));
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

    /// <summary>One unit of writer work: a frame producer, and/or a completion to signal once flushed, and/or "close the socket after".</summary>
    private readonly record struct WriteItem(Action<IBufferWriter<byte>>? Frame, TaskCompletionSource? Done, bool CloseSocket);
}
