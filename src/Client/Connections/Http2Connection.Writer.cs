using System.Buffers;
using System.Threading.Channels;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

// The single writer (STYLE rule 4): frame producers are queued on an unbounded channel and run
// in order by one loop that owns the HPACK encoder. Queuing never blocks, so the reader loop can
// answer PING/SETTINGS and return window credit at any time. Memory is bounded by flow control
// for DATA and by the peer's behaviour for control frames.
internal sealed partial class Http2Connection
{
    private const int WriteBatchLimit = 64 * 1024;

    private readonly Channel<WriteItem> _writes;
    private readonly HpackEncoder _encoder = new();           // Writer loop only.
    private readonly PooledBufferWriter _headerBlock = new(); // Writer loop only.

    private void Queue(Action<IBufferWriter<byte>> frame) => _writes.Writer.TryWrite(new WriteItem(frame, CloseAfter: false));

    /// <summary>Preface (section 3.4), our SETTINGS (section 6.5) and the connection window raise (section 6.9).</summary>
    private void QueuePreface()
    {
        Queue(w =>
        {
            w.Write(Http2Constants.ClientPreface);
            Http2FrameWriter.WriteSettings(w,
            [
                // Section 8.4: "A client cannot push. ... SETTINGS_ENABLE_PUSH ... 0" — we refuse push.
                new Http2Setting(Http2SettingId.EnablePush, 0),
                new Http2Setting(Http2SettingId.InitialWindowSize, StreamWindowSize),
                new Http2Setting(Http2SettingId.MaxFrameSize, Http2Constants.DefaultMaxFrameSize),
                new Http2Setting(Http2SettingId.MaxHeaderListSize, MaxResponseHeaderListSize),
            ]);
            Http2FrameWriter.WriteWindowUpdate(w, 0, ConnectionWindowSize - Http2Constants.DefaultInitialWindowSize);
        });
    }

    /// <summary>
    /// Queues the HEADERS of a new stream. The writer assigns the id, registers the stream and
    /// writes the block; when GOAWAY arrived or the connection closed first, the stream fails with
    /// a retryable, unprocessed <see cref="ExchangeException"/>.
    /// </summary>
    private void QueueOpen(Http2ClientStream stream, List<HpackHeaderField> fields, bool endStream)
    {
        var queued = _writes.Writer.TryWrite(new WriteItem(w =>
        {
            Exception? refused = null;
            lock (_lock)
            {
                if (stream.Opened.Task.IsCompleted)
                {
                    return; // Canceled before its turn: nothing was sent, nothing to reset.
                }

                if (_closedWith is not null || _goAwayReceived)
                {
                    refused = NotProcessed("the connection is shutting down (GOAWAY or closed) before the stream was opened");
                }
                else
                {
                    var id = _lastStreamId == 0 ? 1 : _lastStreamId + 2;
                    _lastStreamId = id;
                    stream.Id = id;
                    stream.State = new Http2StreamStateMachine(id);
                    stream.State.OnSend(Http2FrameType.Headers, endStream);
                    stream.SendWindow = new Http2OutboundWindow(id, _peerInitialWindowSize);
                    stream.ReceiveWindow = new Http2InboundWindow(id, StreamWindowSize);
                    _streams.Add(id, stream);
                    _budget.Refill(Http2FrameBudget.CreditPerStream);
                }
            }

            if (refused is not null)
            {
                stream.Fail(refused);
                return;
            }

            _headerBlock.Clear();
            _encoder.Encode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fields), _headerBlock);
            Http2FrameWriter.WriteHeaderBlock(w, stream.Id, _headerBlock.WrittenSpan, endStream, _peerMaxFrameSize);
            if (!stream.Opened.TrySetResult())
            {
                // Canceled while its HEADERS were being written: reset it right behind them (section 6.4).
                lock (_lock)
                {
                    stream.State!.OnSend(Http2FrameType.RstStream, false);
                    _streams.Remove(stream.Id);
                }

                Http2FrameWriter.WriteRstStream(w, stream.Id, Http2ErrorCode.Cancel);
            }
        }, CloseAfter: false));
        if (!queued)
        {
            stream.Fail(NotProcessed("the connection is closed"));
        }
    }

    /// <summary>Queues DATA for an open stream; dropped if the stream was reset meanwhile.</summary>
    private void QueueData(Http2ClientStream stream, ReadOnlyMemory<byte> data, bool endStream)
    {
        Queue(w =>
        {
            lock (_lock)
            {
                if (stream.State is not { State: Http2StreamState.Open or Http2StreamState.HalfClosedRemote } state)
                {
                    return;
                }

                state.OnSend(Http2FrameType.Data, endStream);
                RemoveIfClosedLocked(stream);
            }

            Http2FrameWriter.WriteData(w, stream.Id, data.Span, endStream);
            _budget.Refill(2); // Room for the stream and connection WINDOW_UPDATEs that answer it.
        });
    }

    /// <summary>Queues RST_STREAM for a stream we abandon (section 6.4) and forgets it.</summary>
    private void QueueReset(Http2ClientStream stream, Http2ErrorCode code)
    {
        lock (_lock)
        {
            if (stream.State is not { } state || state.State == Http2StreamState.Closed)
            {
                return;
            }

            state.OnSend(Http2FrameType.RstStream, false);
            _streams.Remove(stream.Id);
        }

        var id = stream.Id;
        Queue(w => Http2FrameWriter.WriteRstStream(w, id, code));
    }

    private void QueueWindowUpdate(int streamId, int increment)
    {
        if (increment > 0)
        {
            Queue(w => Http2FrameWriter.WriteWindowUpdate(w, streamId, increment));
        }
    }

    private ExchangeException NotProcessed(string why) =>
        new($"The request was not processed by {Route}: {why}.", null, HttpRequestError.ConnectionError, beforeResponseBytes: true, unprocessed: true);

    private async Task RunWriterAsync()
    {
        await Task.Yield();
        using var buffer = new PooledBufferWriter(WriteBatchLimit);
        var reader = _writes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var close = false;
                while (!close && reader.TryRead(out var item))
                {
                    item.Frame(buffer);
                    close = item.CloseAfter;
                    if (buffer.WrittenCount >= WriteBatchLimit)
                    {
                        await _stream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                        buffer.Clear();
                    }
                }

                if (buffer.WrittenCount > 0)
                {
                    await _stream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                    buffer.Clear();
                }

                await _stream.FlushAsync().ConfigureAwait(false);
                if (close)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            // I/O failures end the connection; so does anything unexpected from a frame producer:
            // the streams fail with it instead of waiting on a writer that is gone.
            Shutdown(e, sendGoAway: false);
        }
        finally
        {
            _headerBlock.Dispose();
            DisposeTransport();
        }
    }

    /// <summary>One unit of writer work: a frame producer, optionally followed by closing the socket.</summary>
    private readonly record struct WriteItem(Action<IBufferWriter<byte>> Frame, bool CloseAfter);
}
