using System.Buffers;
using static MockKit.Http2.Tests.FrameTestHelpers;

namespace MockKit.Http2.Tests;

public class Http2FrameReaderTests
{
    private static byte[] SampleStream() => Write(w =>
    {
        Http2FrameWriter.WriteSettings(w, new Http2Settings { MaxConcurrentStreams = 10 });
        Http2FrameWriter.WriteHeaders(w, 1, [0x82, 0x86, 0x84], endStream: false, endHeaders: true, padLength: 4);
        Http2FrameWriter.WriteData(w, 1, new byte[300], endStream: false, padLength: 9);
        Http2FrameWriter.WriteFrame(w, (Http2FrameType)0xEE, 0, 0, [1, 2, 3]); // Unknown type.
        Http2FrameWriter.WriteData(w, 1, [], endStream: true);
        Http2FrameWriter.WritePing(w, 42);
        Http2FrameWriter.WriteGoAway(w, 1, Http2ErrorCode.NoError);
    });

    [Fact]
    public void Byte_at_a_time_returns_false_until_each_frame_is_complete()
    {
        byte[] bytes = SampleStream();
        var expected = ReadAll(new ReadOnlySequence<byte>(bytes));
        var actual = new List<(Http2FrameHeader, byte[])>();
        int consumed = 0;
        for (int end = 1; end <= bytes.Length; end++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, consumed, end - consumed);
            while (Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out Http2Frame frame))
            {
                actual.Add((frame.Header, frame.Payload.ToArray()));
                consumed = end - (int)buffer.Length;
            }

            buffer.Length.ShouldBe(end - consumed, "a false return leaves the buffer untouched");
        }

        consumed.ShouldBe(bytes.Length);
        actual.Count.ShouldBe(7);
        actual.Select(f => f.Item1).ShouldBe(expected.Select(f => f.Header));
        actual.Select(f => Convert.ToHexString(f.Item2)).ShouldBe(expected.Select(f => Convert.ToHexString(f.Payload)));
    }

    [Fact]
    public void Random_chunking_yields_the_same_frames()
    {
        byte[] bytes = SampleStream();
        var expected = ReadAll(new ReadOnlySequence<byte>(bytes));
        var random = new Random(5);
        for (int round = 0; round < 200; round++)
        {
            var frames = ReadAll(Sequences.FromChunks(Sequences.RandomChunks(bytes, random, 1 + random.Next(40))));
            frames.Select(f => f.Header).ShouldBe(expected.Select(f => f.Header));
            frames.Select(f => Convert.ToHexString(f.Payload)).ShouldBe(expected.Select(f => Convert.ToHexString(f.Payload)));
        }
    }

    [Fact]
    public void Unknown_frame_types_pass_through_for_the_caller_to_ignore()
    {
        Http2Frame frame = ReadSingle(RawFrame((Http2FrameType)0x42, (Http2FrameFlags)0xFF, 7, 9, 9));
        frame.Header.IsKnownType.ShouldBeFalse();
        frame.Payload.Length.ShouldBe(2);
    }

    [Fact]
    public void Oversized_frame_is_a_connection_FRAME_SIZE_ERROR_even_before_its_payload_arrives()
    {
        byte[] header = RawFrame(Http2FrameType.Data, 0, 1, new byte[16_385])[..9];
        var buffer = new ReadOnlySequence<byte>(header);
        var error = Should.Throw<Http2ConnectionException>(() => Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out _));
        error.ErrorCode.ShouldBe(Http2ErrorCode.FrameSizeError);
        error.Message.ShouldContain("16385");

        byte[] larger = RawFrame(Http2FrameType.Data, 0, 1, new byte[16_385]);
        ReadSingle(larger, maxFrameSize: 16_385).Header.Length.ShouldBe(16_385);
    }

    [Fact]
    public void A_stream_error_still_advances_past_the_frame()
    {
        byte[] bytes = [.. RawFrame(Http2FrameType.Priority, 0, 3, 0, 0, 0, 1), .. Write(w => Http2FrameWriter.WritePing(w, 1))];
        var buffer = new ReadOnlySequence<byte>(bytes);
        Http2StreamException? error = null;
        try
        {
            Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out _);
        }
        catch (Http2StreamException e)
        {
            error = e;
        }

        error.ShouldNotBeNull();
        error.StreamId.ShouldBe(3);
        error.ErrorCode.ShouldBe(Http2ErrorCode.FrameSizeError);
        Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out Http2Frame next).ShouldBeTrue();
        next.Type.ShouldBe(Http2FrameType.Ping);
    }
}
