using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Tests.Streaming;

/// <summary>
/// The one pacer on its own, on a fake clock: segment <c>i</c> is due <c>i × interval</c> after the
/// first was written, whatever the writes cost. The sink here is slow on purpose — each write moves
/// the clock on — which is what tells that rule apart from "wait one interval after each write".
/// </summary>
public sealed class PacedSegmentsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Three segments: [1], [2, 3], [4].
    private static readonly PacedSegments Three = new(new byte[] { 1, 2, 3, 4 }, [1, 3, 4], Interval);

    [Fact]
    public async Task A_slow_write_does_not_push_the_next_due_times_back()
    {
        var time = new ObservableTimeProvider();
        var start = time.GetUtcNow();
        var sink = new SlowSink(time, writeCost: TimeSpan.FromMilliseconds(30));

        var writing = Three.WriteAsync(sink, Three.Count, time, CancellationToken.None);

        // Each wait the pacer arms is run out exactly, never further: the clock says when each write began.
        await time.AdvanceToNextTimerAsync();
        await time.AdvanceToNextTimerAsync();
        await writing.WaitAsync(Deadline);

        // Due at 0, 100, 200 ms. A pacer counting from the previous write would give 0, 130, 260.
        sink.Log.ShouldBe([
            $"write [1] at {TimeSpan.Zero}", "flush",
            $"write [2,3] at {Interval}", "flush",
            $"write [4] at {Interval * 2}", "flush",
        ]);
        (time.GetUtcNow() - start).ShouldBe(Interval * 2 + TimeSpan.FromMilliseconds(30));
    }

    [Fact]
    public async Task Segments_already_due_when_a_write_ends_go_out_at_once()
    {
        var time = new ObservableTimeProvider();
        var sink = new SlowSink(time, writeCost: Interval * 2.5);

        // No one advances the clock but the sink: every segment is due by the time the previous write ends.
        await Three.WriteAsync(sink, Three.Count, time, CancellationToken.None).WaitAsync(Deadline);

        sink.Log.ShouldBe([
            $"write [1] at {TimeSpan.Zero}", "flush",
            $"write [2,3] at {Interval * 2.5}", "flush",
            $"write [4] at {Interval * 5}", "flush",
        ]);
        time.PendingTimerCount.ShouldBe(0);
    }

    [Fact]
    public async Task Writes_only_the_segments_asked_for()
    {
        var time = new ObservableTimeProvider();
        var sink = new SlowSink(time, writeCost: TimeSpan.Zero);

        var writing = Three.WriteAsync(sink, 2, time, CancellationToken.None);
        await time.AdvanceToNextTimerAsync();
        await writing.WaitAsync(Deadline);

        sink.Log.ShouldBe([$"write [1] at {TimeSpan.Zero}", "flush", $"write [2,3] at {Interval}", "flush"]);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_and_nothing_more_is_written()
    {
        var time = new ObservableTimeProvider();
        var sink = new SlowSink(time, writeCost: TimeSpan.Zero);
        using var cts = new CancellationTokenSource();

        var writing = Three.WriteAsync(sink, Three.Count, time, cts.Token);
        await time.WaitForTimerDueAsync(Interval);
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(writing.WaitAsync(Deadline));
        time.Advance(Interval * 3);
        sink.Log.ShouldBe([$"write [1] at {TimeSpan.Zero}", "flush"]);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 0, 100)]
    [InlineData(1, 30, 70)]
    [InlineData(2, 130, 70)]
    [InlineData(2, 250, 0)]
    [InlineData(3, 300, 0)]
    public void The_wait_before_a_segment_is_its_due_time_less_the_time_since_the_first(int index, int elapsedMs, int waitMs) =>
        Three.WaitBefore(index, TimeSpan.FromMilliseconds(elapsedMs)).ShouldBe(TimeSpan.FromMilliseconds(waitMs));

    /// <summary>A body sink that logs each write (with the fake clock's time since it was made) and flush, and costs writeCost of clock time per write.</summary>
    private sealed class SlowSink(ObservableTimeProvider time, TimeSpan writeCost) : Stream
    {
        private readonly DateTimeOffset _start = time.GetUtcNow();

        public List<string> Log { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Log.Add($"write [{string.Join(',', buffer.ToArray())}] at {time.GetUtcNow() - _start}");
            time.Advance(writeCost);
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Log.Add("flush");
            return Task.CompletedTask;
        }

        public override void Flush() => throw new NotSupportedException("The pacer flushes asynchronously.");

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The pacer writes asynchronously.");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
