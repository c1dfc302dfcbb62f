using System.Buffers;
using static MockKit.Http2.Tests.FrameTestHelpers;

namespace MockKit.Http2.Tests;

public class Http2FrameRoundTripTests
{
    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, (byte)0)]
    [InlineData(true, (byte)200)]
    public void Data(bool endStream, byte? padLength)
    {
        byte[] data = [1, 2, 3, 4, 5];
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteData(w, 3, data, endStream, padLength)));
        frame.Type.ShouldBe(Http2FrameType.Data);
        frame.StreamId.ShouldBe(3);
        frame.Header.HasFlag(Http2FrameFlags.EndStream).ShouldBe(endStream);
        frame.Header.HasFlag(Http2FrameFlags.Padded).ShouldBe(padLength is not null);
        frame.Header.Length.ShouldBe(data.Length + (padLength is { } p ? p + 1 : 0));
        Http2FrameReader.ReadData(frame).ToArray().ShouldBe(data);
    }

    [Fact]
    public void Headers_with_priority_and_padding()
    {
        byte[] fragment = [0x82, 0x86, 0x84];
        var priority = new Http2PriorityFields(1, Exclusive: true, Weight: 256);
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteHeaders(w, 5, fragment, endStream: true, endHeaders: true, priority, padLength: 7)));
        frame.Flags.ShouldBe(Http2FrameFlags.EndStream | Http2FrameFlags.EndHeaders | Http2FrameFlags.Priority | Http2FrameFlags.Padded);
        Http2HeadersPayload payload = Http2FrameReader.ReadHeaders(frame);
        payload.Priority.ShouldBe(priority);
        payload.Fragment.ToArray().ShouldBe(fragment);
    }

    [Fact]
    public void Headers_plain()
    {
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteHeaders(w, 1, [0x82], endStream: false, endHeaders: false)));
        frame.Flags.ShouldBe(Http2FrameFlags.None);
        Http2HeadersPayload payload = Http2FrameReader.ReadHeaders(frame);
        payload.Priority.ShouldBeNull();
        payload.Fragment.ToArray().ShouldBe(new byte[] { 0x82 });
    }

    [Fact]
    public void Priority() =>
        Http2FrameReader.ReadPriority(ReadSingle(Write(w => Http2FrameWriter.WritePriority(w, 7, new Http2PriorityFields(3, false, 16)))))
            .ShouldBe(new Http2PriorityFields(3, false, 16));

    [Fact]
    public void RstStream()
    {
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteRstStream(w, 9, Http2ErrorCode.Cancel)));
        frame.Type.ShouldBe(Http2FrameType.RstStream);
        Http2FrameReader.ReadRstStream(frame).ShouldBe(Http2ErrorCode.Cancel);
    }

    [Fact]
    public void Settings_and_ack()
    {
        var settings = new Http2Settings { HeaderTableSize = 0, EnablePush = false, MaxConcurrentStreams = 100, InitialWindowSize = 1 << 20, MaxFrameSize = 32768, MaxHeaderListSize = 8192 };
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteSettings(w, settings)));
        frame.Header.Length.ShouldBe(36);
        var peer = new Http2PeerSettings();
        peer.Apply(frame.Payload).ShouldBe((1 << 20) - 65535);
        peer.HeaderTableSize.ShouldBe(0u);
        peer.EnablePush.ShouldBeFalse();
        peer.MaxConcurrentStreams.ShouldBe(100u);
        peer.InitialWindowSize.ShouldBe(1 << 20);
        peer.MaxFrameSize.ShouldBe(32768);
        peer.MaxHeaderListSize.ShouldBe(8192u);

        Http2Frame ack = ReadSingle(Write(Http2FrameWriter.WriteSettingsAck));
        ack.Flags.ShouldBe(Http2FrameFlags.Ack);
        ack.Header.Length.ShouldBe(0);
    }

    [Fact]
    public void PushPromise_with_padding()
    {
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WritePushPromise(w, 1, 2, [0x82, 0x84], endHeaders: true, padLength: 3)));
        Http2PushPromisePayload payload = Http2FrameReader.ReadPushPromise(frame);
        payload.PromisedStreamId.ShouldBe(2);
        payload.Fragment.ToArray().ShouldBe(new byte[] { 0x82, 0x84 });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ping(bool ack)
    {
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WritePing(w, 0x0102030405060708, ack)));
        frame.Header.HasFlag(Http2FrameFlags.Ack).ShouldBe(ack);
        Http2FrameReader.ReadPing(frame).ShouldBe(0x0102030405060708ul);
    }

    [Fact]
    public void GoAway_with_debug_data()
    {
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteGoAway(w, 41, Http2ErrorCode.EnhanceYourCalm, "calm down"u8)));
        Http2GoAwayPayload payload = Http2FrameReader.ReadGoAway(frame);
        payload.LastStreamId.ShouldBe(41);
        payload.ErrorCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        payload.DebugData.ToArray().ShouldBe("calm down"u8.ToArray());
        payload.Describe().ShouldBe("GOAWAY(EnhanceYourCalm, last stream 41, debug data \"calm down\")");
    }

    [Fact]
    public void GoAway_description_escapes_unprintable_debug_bytes_and_quotes_at_most_200()
    {
        var bytes = new byte[] { (byte)'o', (byte)'k', 0, 0x7f, (byte)'\\', 0xff };
        Http2FrameReader.ReadGoAway(ReadSingle(Write(w => Http2FrameWriter.WriteGoAway(w, 0, Http2ErrorCode.ProtocolError, bytes))))
            .Describe().ShouldBe("GOAWAY(ProtocolError, last stream 0, debug data \"ok\\x00\\x7f\\x5c\\xff\")");

        var longDebug = Enumerable.Repeat((byte)'a', 1000).ToArray();
        Http2FrameReader.ReadGoAway(ReadSingle(Write(w => Http2FrameWriter.WriteGoAway(w, 0, Http2ErrorCode.NoError, longDebug))))
            .Describe().ShouldBe($"GOAWAY(NoError, last stream 0, debug data \"{new string('a', 200)}...\")");
        Http2FrameReader.ReadGoAway(ReadSingle(Write(w => Http2FrameWriter.WriteGoAway(w, 7, Http2ErrorCode.NoError))))
            .Describe().ShouldBe("GOAWAY(NoError, last stream 7)");
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, int.MaxValue)]
    public void WindowUpdate(int streamId, int increment) =>
        Http2FrameReader.ReadWindowUpdate(ReadSingle(Write(w => Http2FrameWriter.WriteWindowUpdate(w, streamId, increment)))).ShouldBe(increment);

    [Fact]
    public void Continuation()
    {
        Http2Frame frame = ReadSingle(Write(w => Http2FrameWriter.WriteContinuation(w, 3, [1, 2], endHeaders: true)));
        frame.Type.ShouldBe(Http2FrameType.Continuation);
        frame.Flags.ShouldBe(Http2FrameFlags.EndHeaders);
        frame.Payload.ToArray().ShouldBe(new byte[] { 1, 2 });
    }

    [Fact]
    public void Reserved_bit_is_ignored_on_receipt()
    {
        byte[] bytes = RawFrame(Http2FrameType.RstStream, 0, 5, 0, 0, 0, 8);
        bytes[5] |= 0x80;
        ReadSingle(bytes).StreamId.ShouldBe(5);
    }

    [Theory]
    [InlineData(10, 16_384)]
    [InlineData(16_384, 16_384)]
    [InlineData(16_385, 16_384)]
    [InlineData(50_000, 16_384)]
    [InlineData(50_000, 20_000)]
    public void Header_block_is_split_into_HEADERS_and_CONTINUATION_no_larger_than_max_frame_size(int blockSize, int maxFrameSize)
    {
        byte[] block = new byte[blockSize];
        new Random(blockSize).NextBytes(block);
        byte[] bytes = Write(w => Http2FrameWriter.WriteHeaderBlock(w, 1, block, endStream: true, maxFrameSize, new Http2PriorityFields(0, false, 16)));
        var frames = ReadAll(new ReadOnlySequence<byte>(bytes), (uint)maxFrameSize);
        frames[0].Header.Type.ShouldBe(Http2FrameType.Headers);
        frames[0].Header.HasFlag(Http2FrameFlags.EndStream).ShouldBeTrue();
        frames.Skip(1).ShouldAllBe(f => f.Header.Type == Http2FrameType.Continuation && !f.Header.HasFlag(Http2FrameFlags.EndStream));
        frames.ShouldAllBe(f => f.Header.Length <= maxFrameSize);
        frames.Count(f => f.Header.HasFlag(Http2FrameFlags.EndHeaders)).ShouldBe(1);
        frames[^1].Header.HasFlag(Http2FrameFlags.EndHeaders).ShouldBeTrue();

        using var assembler = new Http2HeaderBlockAssembler();
        var first = new Http2Frame(frames[0].Header, new ReadOnlySequence<byte>(frames[0].Payload));
        bool complete = assembler.StartHeaders(first, Http2FrameReader.ReadHeaders(first));
        foreach (var (header, payload) in frames.Skip(1))
        {
            complete.ShouldBeFalse();
            complete = assembler.AppendContinuation(new Http2Frame(header, new ReadOnlySequence<byte>(payload)));
        }

        complete.ShouldBeTrue();
        assembler.Block.ToArray().ShouldBe(block);
    }

    [Fact]
    public void Push_promise_block_is_split_too()
    {
        byte[] block = new byte[40_000];
        byte[] bytes = Write(w => Http2FrameWriter.WritePushPromiseBlock(w, 1, 2, block, 16_384));
        var frames = ReadAll(new ReadOnlySequence<byte>(bytes));
        frames.Select(f => f.Header.Type).ShouldBe([Http2FrameType.PushPromise, Http2FrameType.Continuation, Http2FrameType.Continuation]);
        frames.Sum(f => f.Payload.Length).ShouldBe(40_004);
    }
}
