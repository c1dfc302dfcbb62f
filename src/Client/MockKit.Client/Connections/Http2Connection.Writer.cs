using System.Buffers;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

// The client's use of the shared single writer (Http2FrameQueue): what it queues, and how the
// stream id of a new stream is assigned in wire order. Queuing never blocks, so the reader loop
// can answer PING/SETTINGS and return window credit at any time. Memory is bounded by flow control
// for DATA and, for replies the server provokes, by the queue's control-frame cap.
internal sealed partial class Http2Connection
{
    /// <summary>Replies the server provokes (PING and SETTINGS ACKs, RST_STREAM) that may wait for a server that does not read.</summary>
    internal const int MaxQueuedControlFrames = 10_000;

    private readonly Http2FrameQueue _frames;

    private void Queue(Action<IBufferWriter<byte>> frame) => _frames.Queue(frame);

    private void OnControlQueueFull(int queued) =>
        Shutdown(new IOException($"The HTTP/2 connection to {Route} was closed: {queued} replies are queued for a server that does not read them."), sendGoAway: false);
    /// <summary>Preface (section 3.4), our SETTINGS (section 6.5) and the connection window raise (section 6.9).</summary>
    private void QueuePreface()
    {
        // One batch: the writer flushes only when its queue is empty.
        Queue(static w => w.Write(Http2Constants.ClientPreface));
        _core.QueueSettings(new Http2Settings
        {
            // Section 8.4: "A client cannot push. ... SETTINGS_ENABLE_PUSH ... 0" — we refuse push. Once
            // acknowledged, a PUSH_PROMISE is a connection error (section 6.6, in Http2ConnectionCore).
            EnablePush = false,
            InitialWindowSize = StreamWindowSize,
            MaxFrameSize = Http2Constants.DefaultMaxFrameSize,
            MaxHeaderListSize = MaxResponseHeaderListSize,
        });
        _core.QueueWindowUpdate(0, ConnectionWindowSize - Http2Constants.DefaultInitialWindowSize, provoked: false);
    }

    /// <summary>
    /// Queues the HEADERS of a new stream. The writer assigns the id, registers the stream and
    /// writes the block; when GOAWAY arrived or the connection closed first, the stream fails with
    /// a retryable, unprocessed <see cref="ExchangeException"/>.
    /// </summary>
    private void QueueOpen(Http2ClientStream stream, List<HpackHeaderField> fields, bool endStream)
    {
        var queued = _frames.Queue(w =>
        {
            Exception? refused = null;
            lock (_lock)
            {
                if (stream.Opened.Task.IsCompleted)
                {
                    return; // Canceled before its turn: nothing was sent, nothing to reset.
                }

                if (_closedWith is not null || _core.PeerGoingAway)
                {
                    refused = NotProcessed("the connection is shutting down (GOAWAY or closed) before the stream was opened");
                }
                else
                {
                    var id = _streams.NextLocalStreamId();
                    stream.Id = id;
                    stream.State = new Http2StreamStateMachine(id);
                    stream.State.OnSend(Http2FrameType.Headers, endStream);
                    stream.SendWindow = new Http2OutboundWindow(id, _streams.PeerInitialWindowSize);
                    stream.ReceiveWindow = new Http2InboundWindow(id, _streams.LocalInitialWindowSize); // Our preface's, from its sending on (the core's rule).
                    _streams.Add(stream);
                    _budget.Credit(CreditPerStream);
                }
            }

            if (refused is not null)
            {
                stream.Fail(refused);
                return;
            }

            _frames.HeaderBlocks.WriteHeaders(w, stream.Id, fields, endStream, _core.PeerMaxFrameSize);
            if (!stream.Opened.TrySetResult())
            {
                // Canceled while its HEADERS were being written: reset it right behind them (section 6.4).
                _core.WriteReset(w, stream, Http2ErrorCode.Cancel);
            }
        });
        if (!queued)
        {
            stream.Fail(NotProcessed("the connection is closed"));
        }
    }

    /// <summary>Queues one DATA frame (credit taken) for an open stream; dropped if the stream was reset meanwhile.</summary>
    private void QueueData(Http2ClientStream stream, ReadOnlyMemory<byte> data, bool endStream) => _core.QueueData(stream, data, endStream);

    /// <summary>Queues RST_STREAM for a stream we abandon (section 6.4) and forgets it; nothing when it is not open.</summary>
    private void QueueReset(Http2ClientStream stream, Http2ErrorCode code) => _core.QueueReset(stream, code);

    private void QueueWindowUpdate(int streamId, int increment) => _core.QueueWindowUpdate(streamId, increment, provoked: false);

    /// <summary>
    /// The write side of a stream (a request body, an extended CONNECT's DATA): each write is copied,
    /// since the caller reuses its buffer once the write returns while queued frames reference their
    /// bytes; a flush returns at once, as the writer loop flushes whenever its queue runs empty.
    /// </summary>
    internal Http2DataWriteStream DataWriter(Http2ClientStream stream) => new(_core, stream)
    {
        CopiesWrites = true,
        FlushWaitsForWriter = false,
    };

    private ExchangeException NotProcessed(string why) =>
        new($"The request was not processed by {Route}: {why}.", null, HttpRequestError.ConnectionError, beforeResponseBytes: true, unprocessed: true);

    private async Task RunWriterAsync()
    {
        try
        {
            // A producer that throws ends the connection: the streams fail with it instead of
            // waiting on a writer that is gone.
            await _frames.RunAsync(static _ => false).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Shutdown(e, sendGoAway: false);
        }
        finally
        {
            _frames.Dispose();
            DisposeTransport();
        }
    }
}
