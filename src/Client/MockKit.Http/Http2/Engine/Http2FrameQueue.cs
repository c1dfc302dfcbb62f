using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using MockKit.Buffers;

namespace MockKit.Http2.Engine;

/// <summary>
/// The single writer of one HTTP/2 connection, for both roles (STYLE rule 4): frame producers are
/// queued on a channel and run, in order, by one loop (<see cref="RunAsync"/>) that owns the output
/// buffer and the connection's <see cref="Http2HeaderBlockEncoder"/>. Queuing never blocks, so the
/// reader loop can answer PING/SETTINGS and return window credit while an exchange waits for
/// flow-control credit.
/// </summary>
/// <remarks>
/// <para><b>Coalesced flushes.</b> The loop runs every producer already queued into one buffer and
/// writes once it holds <see cref="WriteBatchLimit"/> bytes or the queue is empty; it flushes only
/// when the queue is empty, so a burst of small frames costs one write and one flush.</para>
/// <para><b>Memory</b> is bounded three ways. DATA: producers wait for flow control before they are
/// queued and refer to the body rather than copying it. Bytes in flight: the batch stops at
/// <see cref="WriteBatchLimit"/>. Replies the peer provokes (PING and SETTINGS ACKs, RST_STREAM,
/// WINDOW_UPDATE, GOAWAY, queued with <see cref="QueueControl"/>): at most
/// <c>maxQueuedControlFrames</c> may wait. The flood guards bound how fast a reading peer can provoke
/// them; this cap catches the peer that provokes them just under the guards but never reads, so the
/// writer stays blocked while the queue would grow forever (CVE-2019-9512, 9515). Past the cap the
/// frame is dropped and <c>onControlQueueFull</c> runs once, as Go's server does with its queued
/// control frames.</para>
/// <para><b>Ending.</b> <see cref="QueueClose"/> writes everything queued before it and then runs
/// the role's close (after our GOAWAY, the staged close of <see cref="Http2StagedClose"/>, queued by
/// <c>Http2ConnectionCore.QueueGoAwayAndClose</c>);
/// the loop ends there. A write failure ends it too (the role is told once); producers queued after
/// the end are not run, and every <see cref="FlushAsync"/> waiter is released.</para>
/// </remarks>
[SuppressMessage("Naming", "CA1711", Justification = "It is the connection's queue of frame producers; the name says so.")]
public sealed class Http2FrameQueue : IDisposable
{
    /// <summary>Bytes gathered before a write is issued even though more frames are queued.</summary>
    public const int WriteBatchLimit = 64 * 1024;

    private readonly Channel<Item> _items = Channel.CreateUnbounded<Item>(new() { SingleReader = true });
    private readonly Stream _transport;
    private readonly int _maxQueuedControlFrames;
    private readonly Action<int> _onControlQueueFull;
    private int _queuedControlFrames; // Interlocked: queued by anyone, taken by the writer loop.
    private int _controlQueueFull;    // 1 once the cap was hit.

    /// <summary>Creates the queue; <see cref="RunAsync"/> starts the writer loop.</summary>
    /// <param name="transport">Written and flushed by the writer loop only.</param>
    /// <param name="maxQueuedControlFrames">Replies queued with <see cref="QueueControl"/> that may wait at once.</param>
    /// <param name="onControlQueueFull">Runs once, with the count, when the cap is hit: the peer does not read; close the socket.</param>
    public Http2FrameQueue(Stream transport, int maxQueuedControlFrames, Action<int> onControlQueueFull)
    {
        _transport = transport;
        _maxQueuedControlFrames = maxQueuedControlFrames;
        _onControlQueueFull = onControlQueueFull;
    }

    /// <summary>The connection's HPACK encoder and block splitter; use it from producers only (writer loop).</summary>
    public Http2HeaderBlockEncoder HeaderBlocks { get; } = new();

    /// <summary>True once <see cref="QueueControl"/> hit its cap (the peer stopped reading; the connection is being closed).</summary>
    public bool IsControlQueueFull => Volatile.Read(ref _controlQueueFull) != 0;

    /// <summary>Queues a frame producer; false when the writer has ended (nothing will be written).</summary>
    public bool Queue(Action<IBufferWriter<byte>> frame) => _items.Writer.TryWrite(new Item(frame, null, null, Control: false));

    /// <summary>Queues a producer object (no delegate to allocate); false when the writer has ended.</summary>
    public bool Queue(IHttp2FrameProducer producer) => _items.Writer.TryWrite(new Item(null, null, null, Control: false, Producer: producer));

    /// <summary>
    /// Queues a reply the peer provoked, counted against the cap. Past the cap the frame is dropped
    /// and the connection's close is requested once: the peer has stopped reading.
    /// </summary>
    /// <param name="frame">The frame producer.</param>
    /// <param name="final">
    /// This is the last frame the connection may send (a connection error's GOAWAY, RFC 9113 section
    /// 5.4.1): producers queued after it are not run. A staged close half-closes the socket once it
    /// is flushed, and a frame an ending exchange queues behind it (a reset, window credit) would fail
    /// to write, abort the socket, and the reset would destroy the GOAWAY unread at the peer.
    /// </param>
    public void QueueControl(Action<IBufferWriter<byte>> frame, bool final = false)
    {
        var queued = Interlocked.Increment(ref _queuedControlFrames);
        if (queued > _maxQueuedControlFrames)
        {
            Interlocked.Decrement(ref _queuedControlFrames);
            if (Interlocked.Exchange(ref _controlQueueFull, 1) == 0)
            {
                _onControlQueueFull(queued - 1);
            }

            return;
        }

        if (!_items.Writer.TryWrite(new Item(frame, null, null, Control: true, Final: final)))
        {
            Interlocked.Decrement(ref _queuedControlFrames); // The writer is gone.
        }
    }

    /// <summary>Completes once everything queued before it has been written and flushed (at once when the writer has ended).</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_items.Writer.TryWrite(new Item(null, done, null, Control: false)))
        {
            return Task.CompletedTask;
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Writes and flushes everything queued so far (with <paramref name="lastFrame"/>, if any, last),
    /// then runs <paramref name="close"/> on the writer loop, so no write races the close, and ends
    /// the loop. The returned task completes after <paramref name="close"/>; null when the writer had
    /// already ended (close the transport yourself).
    /// </summary>
    public Task? QueueClose(Action<IBufferWriter<byte>>? lastFrame, Func<Task> close)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _items.Writer.TryWrite(new Item(lastFrame, done, close, Control: false)) ? done.Task : null;
    }

    /// <summary>Stops accepting producers; the loop ends once it has run the ones already queued.</summary>
    public void Complete() => _items.Writer.TryComplete();

    /// <summary>
    /// The writer loop. Returns when the queue is completed or a close ran; throws what the transport
    /// threw (the role decides what a failed write means), or what a producer threw unless
    /// <paramref name="onProducerFailed"/> chose to drop that frame and go on.
    /// </summary>
    /// <param name="onProducerFailed">A producer threw before writing its frame: true drops the frame and keeps the connection, false ends the loop with the exception.</param>
    public async Task RunAsync(Func<Exception, bool> onProducerFailed)
    {
        await Task.Yield(); // The caller (a reader about to start) never waits for the writer's first turn.
        using var buffer = new PooledBufferWriter(WriteBatchLimit);
        var completed = new List<TaskCompletionSource>();
        var reader = _items.Reader;
        var finalWritten = false;
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                Func<Task>? close = null;
                while (close is null && reader.TryRead(out var item))
                {
                    if (item.Control)
                    {
                        Interlocked.Decrement(ref _queuedControlFrames);
                    }

                    try
                    {
                        if (!finalWritten)
                        {
                            item.Frame?.Invoke(buffer);
                            item.Producer?.WriteFrames(buffer);
                            finalWritten = item.Final;
                        }
                    }
                    catch (Exception e) when (onProducerFailed(e))
                    {
                    }

                    if (item.Done is { } done)
                    {
                        completed.Add(done);
                    }

                    close = item.Close;
                    if (buffer.WrittenCount >= WriteBatchLimit)
                    {
                        await _transport.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                        buffer.Clear();
                    }
                }

                if (buffer.WrittenCount > 0)
                {
                    await _transport.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                    buffer.Clear();
                }

                await _transport.FlushAsync().ConfigureAwait(false);
                if (close is not null)
                {
                    _items.Writer.TryComplete();
                    await close().ConfigureAwait(false);
                    return;
                }

                foreach (var done in completed)
                {
                    done.TrySetResult();
                }

                completed.Clear();
            }
        }
        finally
        {
            _items.Writer.TryComplete();
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

    /// <summary>Returns the header block scratch buffer; call once the loop has ended.</summary>
    public void Dispose() => HeaderBlocks.Dispose();

    /// <summary>
    /// One unit of writer work: a frame producer, and/or a completion to signal once flushed, and/or
    /// a close to run after the flush; <paramref name="Control"/> marks a reply counted against the cap;
    /// <paramref name="Final"/> marks the last frame the connection may send; <paramref name="Producer"/>
    /// is a producer object queued instead of <paramref name="Frame"/>.
    /// </summary>
    private readonly record struct Item(Action<IBufferWriter<byte>>? Frame, TaskCompletionSource? Done, Func<Task>? Close, bool Control, bool Final = false, IHttp2FrameProducer? Producer = null);
}
