using System.Buffers;

namespace MockKit.Http2.Engine.Tests;

/// <summary>The single writer both roles share: order, coalesced writes, flush, close, and the cap on provoked replies.</summary>
public sealed class Http2FrameQueueTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Producers_run_in_order_and_a_burst_is_written_once_and_flushed_once()
    {
        var transport = new RecordingStream();
        using var queue = new Http2FrameQueue(transport, 10, _ => throw new InvalidOperationException("not expected"));
        for (var i = 0; i < 5; i++)
        {
            var b = (byte)i;
            queue.Queue(w => w.Write([b]));
        }

        var flushed = queue.FlushAsync(CancellationToken.None);
        var loop = queue.RunAsync(static _ => false);
        await flushed.WaitAsync(Deadline);

        transport.Written.ShouldBe(new byte[] { 0, 1, 2, 3, 4 });
        transport.Writes.ShouldBe(1);
        transport.Flushes.ShouldBe(1);
        queue.Complete();
        await loop.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Producer_objects_run_in_queue_order_with_delegates_in_the_same_batch()
    {
        var transport = new RecordingStream();
        using var queue = new Http2FrameQueue(transport, 10, _ => throw new InvalidOperationException("not expected"));
        queue.Queue(w => w.Write("a"u8)).ShouldBeTrue();
        queue.Queue(new BytesProducer("bc"u8.ToArray())).ShouldBeTrue();
        queue.Queue(w => w.Write("d"u8)).ShouldBeTrue();

        var flushed = queue.FlushAsync(CancellationToken.None);
        var loop = queue.RunAsync(static _ => false);
        await flushed.WaitAsync(Deadline);

        transport.Written.ShouldBe("abcd"u8.ToArray());
        transport.Writes.ShouldBe(1);
        queue.Complete();
        await loop.WaitAsync(Deadline);
        queue.Queue(new BytesProducer([1])).ShouldBeFalse(); // The writer has ended.
    }

    [Fact]
    public async Task A_close_runs_after_everything_before_it_is_flushed_and_ends_the_loop()
    {
        var transport = new RecordingStream();
        using var queue = new Http2FrameQueue(transport, 10, _ => { });
        var flushesAtClose = -1;
        queue.Queue(w => w.Write("a"u8));
        var closed = queue.QueueClose(w => w.Write("z"u8), () =>
        {
            flushesAtClose = transport.Flushes;
            return Task.CompletedTask;
        });

        await queue.RunAsync(static _ => false).WaitAsync(Deadline);

        Assert.NotNull(closed);
        await closed.WaitAsync(Deadline);
        transport.Written.ShouldBe("az"u8.ToArray());
        flushesAtClose.ShouldBe(1);
        queue.Queue(w => w.Write("late"u8)).ShouldBeFalse();
        await queue.FlushAsync(CancellationToken.None).WaitAsync(Deadline); // Released at once: nothing more will be written.
        var afterEnd = queue.QueueClose(null, () => Task.CompletedTask);
        afterEnd.ShouldBeNull();
    }

    [Fact]
    public async Task Nothing_queued_after_a_final_frame_is_written_but_flushes_and_the_close_still_run()
    {
        // The server's staged close: the error GOAWAY is final, then the session waits for its flush
        // and half-closes; an exchange ending meanwhile may queue a reset or window credit behind it.
        var transport = new RecordingStream();
        using var queue = new Http2FrameQueue(transport, 10, _ => { });
        queue.Queue(w => w.Write("a"u8));
        queue.QueueControl(w => w.Write("G"u8), final: true);
        queue.QueueControl(w => w.Write("r"u8));
        queue.Queue(w => w.Write("w"u8));
        var flushed = queue.FlushAsync(CancellationToken.None);
        var closed = queue.QueueClose(w => w.Write("z"u8), () => Task.CompletedTask);

        await queue.RunAsync(static _ => false).WaitAsync(Deadline);

        await flushed.WaitAsync(Deadline);
        Assert.NotNull(closed);
        await closed.WaitAsync(Deadline);
        transport.Written.ShouldBe("aG"u8.ToArray());
    }

    [Fact]
    public async Task A_failing_producer_is_dropped_or_ends_the_loop_as_the_role_decides()
    {
        var transport = new RecordingStream();
        using var keeping = new Http2FrameQueue(transport, 10, _ => { });
        keeping.Queue(_ => throw new ArgumentException("HPACK cannot carry this value"));
        keeping.Queue(w => w.Write("b"u8));
        var flushed = keeping.FlushAsync(CancellationToken.None);
        var loop = keeping.RunAsync(static e => e is ArgumentException);
        await flushed.WaitAsync(Deadline);
        transport.Written.ShouldBe("b"u8.ToArray());
        keeping.Complete();
        await loop.WaitAsync(Deadline);

        using var ending = new Http2FrameQueue(new RecordingStream(), 10, _ => { });
        ending.Queue(_ => throw new InvalidOperationException("a bug"));
        var waiter = ending.FlushAsync(CancellationToken.None);
        await Should.ThrowAsync<InvalidOperationException>(() => ending.RunAsync(static _ => false).WaitAsync(Deadline));
        await waiter.WaitAsync(Deadline); // Flush waiters are released when the writer ends.
    }

    [Fact]
    public async Task Replies_queued_past_the_cap_for_a_peer_that_does_not_read_are_dropped_and_reported_once()
    {
        var transport = new RecordingStream { BlockWrites = true };
        var reported = new List<int>();
        using var queue = new Http2FrameQueue(transport, 3, reported.Add);
        queue.Queue(w => w.Write("first"u8));
        var loop = queue.RunAsync(static _ => false);
        await transport.WriteStarted.Task.WaitAsync(Deadline); // The writer is now stuck on a peer that does not read.

        for (var i = 0; i < 10; i++)
        {
            queue.QueueControl(w => w.Write("ack"u8));
        }

        reported.ShouldBe([3]);
        queue.IsControlQueueFull.ShouldBeTrue();
        transport.Release();
        var flushed = queue.FlushAsync(CancellationToken.None);
        await flushed.WaitAsync(Deadline);
        transport.Written.ShouldBe("firstackackack"u8.ToArray());
        queue.Complete();
        await loop.WaitAsync(Deadline);
    }

    /// <summary>A transport that records writes and flushes, and can hold writes until released.</summary>
    private sealed class BytesProducer(byte[] bytes) : IHttp2FrameProducer
    {
        public void WriteFrames(IBufferWriter<byte> output) => output.Write(bytes);
    }

    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool BlockWrites { get; init; }

        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public byte[] Written => _written.ToArray();

        public int Writes { get; private set; }

        public int Flushes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _release.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WriteStarted.TrySetResult();
            if (BlockWrites)
            {
                await _release.Task.ConfigureAwait(false);
            }

            Writes++;
            _written.Write(buffer.Span);
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return Task.CompletedTask;
        }

        public override void Flush() => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _written.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
