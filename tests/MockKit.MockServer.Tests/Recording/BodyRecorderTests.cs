using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>The recorder keeps a prefix, counts everything (past 2 GiB too) and hands over one exact-length array.</summary>
public sealed class BodyRecorderTests
{
    [Fact]
    public void Counts_past_two_GiB_while_keeping_only_the_limit()
    {
        var recorder = new BodyRecorder(limit: 1000);
        var block = new byte[1024 * 1024];
        block.AsSpan().Fill(7);
        const long Blocks = 2100; // 2.05 GiB: more than an int or one array can hold.
        for (var i = 0; i < Blocks; i++)
        {
            recorder.Append(block);
        }

        recorder.Size.ShouldBe(Blocks * block.Length);
        var body = recorder.Detach();
        body.Length.ShouldBe(1000);
        body.ShouldAllBe(b => b == 7);
    }

    [Theory]
    [InlineData(10, 10)]            // declared and small: written in place
    [InlineData(-1, 40_000)]        // unknown length: pooled segments, copied once
    [InlineData(100_000, 100_000)]  // declared but over the pre-size cap: segments
    [InlineData(10, 25)]            // more than declared: moves to segments
    [InlineData(50, 20)]            // fewer than declared (truncated): exact array anyway
    public void Detach_returns_exactly_the_kept_bytes_in_order(long declared, int sent)
    {
        var recorder = new BodyRecorder(long.MaxValue, declared);
        var data = Enumerable.Range(0, sent).Select(i => (byte)(i % 253)).ToArray();
        for (var offset = 0; offset < sent; offset += 7)
        {
            recorder.Append(data.AsSpan(offset, Math.Min(7, sent - offset)));
        }

        var body = recorder.Detach();
        body.ShouldBe(data);
        recorder.Detach().ShouldBeSameAs(body);
    }

    [Fact]
    public void Bytes_after_detach_are_counted_not_kept()
    {
        var recorder = new BodyRecorder(100);
        recorder.Append("abc"u8);
        var body = recorder.Detach();
        recorder.Append("def"u8);

        body.ShouldBe("abc"u8.ToArray());
        recorder.Size.ShouldBe(6);
        recorder.Detach().ShouldBeSameAs(body);
    }
}
