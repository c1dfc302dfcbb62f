using System.Buffers;
using System.Net.Sockets;
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

    /// <summary>How long a connection that sent a connection error's GOAWAY keeps draining the server (real time).</summary>
    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

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
                    await LingerAsync().ConfigureAwait(false);
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

    /// <summary>
    /// After our GOAWAY is flushed: half-close and read (discarding) what the server still sends
    /// until it closes or <see cref="LingerTimeout"/> of real time passes. Closing a socket with
    /// unread input makes TCP send a reset, and a reset can destroy the GOAWAY in the server's
    /// receive buffer before it is read; a server in mid-flood always has frames in flight. This is
    /// the staged close of RFC 9112 section 9.6, which RFC 9113 section 5.4.1 leaves room for, and
    /// what the server side does too. Real time, not the handler's TimeProvider: this bounds how long
    /// a dying socket lingers, which must end even when a test's clock is frozen. The reader loop
    /// has ended by now (a GOAWAY with CloseAfter is only queued from it), so nothing else reads.
    /// </summary>
    private async Task LingerAsync()
    {
        using var linger = new CancellationTokenSource(LingerTimeout);
        var discard = new byte[4096];
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            while (await _stream.ReadAsync(discard, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // Time is up, or the server reset or closed the socket: close now.
        }
    }

    /// <summary>One unit of writer work: a frame producer, optionally followed by closing the socket.</summary>
    private readonly record struct WriteItem(Action<IBufferWriter<byte>> Frame, bool CloseAfter);
}
