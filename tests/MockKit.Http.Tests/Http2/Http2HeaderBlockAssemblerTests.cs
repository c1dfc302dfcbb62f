using System.Buffers;
using static MockKit.Http2.Tests.FrameTestHelpers;

namespace MockKit.Http2.Tests;

public class Http2HeaderBlockAssemblerTests
{
    private static Http2Frame Frame(Http2FrameType type, Http2FrameFlags flags, int streamId, params byte[] payload) =>
        new(new Http2FrameHeader(payload.Length, type, flags, streamId), new ReadOnlySequence<byte>(payload));

    private static bool StartHeaders(Http2HeaderBlockAssembler assembler, Http2Frame frame)
    {
        assembler.CheckSequence(frame.Header);
        return assembler.StartHeaders(frame, Http2FrameReader.ReadHeaders(frame));
    }

    [Fact]
    public void Assembles_headers_and_continuations_and_keeps_the_first_header()
    {
        using var assembler = new Http2HeaderBlockAssembler();
        StartHeaders(assembler, Frame(Http2FrameType.Headers, Http2FrameFlags.EndStream, 3, 1, 2)).ShouldBeFalse();
        assembler.IsExpectingContinuation.ShouldBeTrue();
        assembler.AppendContinuation(Frame(Http2FrameType.Continuation, 0, 3)).ShouldBeFalse(); // Empty fragments are legal.
        assembler.AppendContinuation(Frame(Http2FrameType.Continuation, 0, 3, 3, 4, 5)).ShouldBeFalse();
        assembler.AppendContinuation(Frame(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 3, Enumerable.Range(6, 40).Select(i => (byte)i).ToArray())).ShouldBeTrue();
        assembler.Block.ToArray().ShouldBe(Enumerable.Range(1, 45).Select(i => (byte)i).ToArray());
        assembler.FirstHeader.HasFlag(Http2FrameFlags.EndStream).ShouldBeTrue();
        assembler.IsExpectingContinuation.ShouldBeFalse();

        assembler.Reset();
        assembler.Block.Length.ShouldBe(0);
        StartHeaders(assembler, Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 5, 9)).ShouldBeTrue();
        assembler.Block.ToArray().ShouldBe(new byte[] { 9 });
    }

    [Fact]
    public void Push_promise_blocks_carry_the_promised_stream()
    {
        using var assembler = new Http2HeaderBlockAssembler();
        Http2Frame frame = Frame(Http2FrameType.PushPromise, 0, 1, 0, 0, 0, 2, 0x82);
        assembler.StartPushPromise(frame, Http2FrameReader.ReadPushPromise(frame)).ShouldBeFalse();
        assembler.AppendContinuation(Frame(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, 0x84)).ShouldBeTrue();
        assembler.PromisedStreamId.ShouldBe(2);
        assembler.Block.ToArray().ShouldBe(new byte[] { 0x82, 0x84 });
    }

    [Theory]
    [InlineData((byte)Http2FrameType.Data, 1)]
    [InlineData((byte)Http2FrameType.Ping, 0)]
    [InlineData((byte)Http2FrameType.Continuation, 3)]
    [InlineData((byte)Http2FrameType.Headers, 1)]
    [InlineData((byte)0xEE, 1)] // Even an unknown (otherwise ignored) type may not interleave.
    public void Any_frame_interleaved_in_a_block_is_a_connection_PROTOCOL_ERROR(byte frameType, int streamId)
    {
        var type = (Http2FrameType)frameType;
        using var assembler = new Http2HeaderBlockAssembler();
        StartHeaders(assembler, Frame(Http2FrameType.Headers, 0, 1, 1));
        var error = Should.Throw<Http2ConnectionException>(() => assembler.CheckSequence(new Http2FrameHeader(0, type, 0, streamId)));
        error.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        error.Message.ShouldContain("Expected CONTINUATION on stream 1");
    }

    [Fact]
    public void A_stray_CONTINUATION_is_a_connection_PROTOCOL_ERROR()
    {
        using var assembler = new Http2HeaderBlockAssembler();
        Should.Throw<Http2ConnectionException>(() => assembler.CheckSequence(new Http2FrameHeader(1, Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1)))
            .ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        StartHeaders(assembler, Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, 1));
        Should.Throw<Http2ConnectionException>(() => assembler.CheckSequence(new Http2FrameHeader(0, Http2FrameType.Continuation, 0, 1)))
            .ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void A_block_over_the_size_limit_is_ENHANCE_YOUR_CALM()
    {
        using var assembler = new Http2HeaderBlockAssembler(maxBlockSize: 100);
        StartHeaders(assembler, Frame(Http2FrameType.Headers, 0, 1, new byte[60]));
        var error = Should.Throw<Http2ConnectionException>(() => assembler.AppendContinuation(Frame(Http2FrameType.Continuation, 0, 1, new byte[41])));
        error.ErrorCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        error.Message.ShouldContain("100 bytes");
    }

    [Fact]
    public void A_flood_of_empty_CONTINUATION_frames_is_ENHANCE_YOUR_CALM()
    {
        using var assembler = new Http2HeaderBlockAssembler(maxContinuationFrames: 100);
        StartHeaders(assembler, Frame(Http2FrameType.Headers, 0, 1, 1));
        for (int i = 0; i < 100; i++)
        {
            assembler.AppendContinuation(Frame(Http2FrameType.Continuation, 0, 1));
        }

        var error = Should.Throw<Http2ConnectionException>(() => assembler.AppendContinuation(Frame(Http2FrameType.Continuation, 0, 1)));
        error.ErrorCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        error.Message.ShouldContain("CONTINUATION");
    }

    [Fact]
    public void Assembler_works_from_frames_read_off_the_wire()
    {
        byte[] block = new byte[40_000];
        new Random(3).NextBytes(block);
        byte[] wire = Write(w => Http2FrameWriter.WriteHeaderBlock(w, 7, block, endStream: false, 16_384));
        var buffer = new ReadOnlySequence<byte>(wire);
        using var assembler = new Http2HeaderBlockAssembler();
        bool complete = false;
        while (Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out Http2Frame frame))
        {
            assembler.CheckSequence(frame.Header);
            complete = frame.Type == Http2FrameType.Headers
                ? assembler.StartHeaders(frame, Http2FrameReader.ReadHeaders(frame))
                : assembler.AppendContinuation(frame);
        }

        complete.ShouldBeTrue();
        assembler.Block.ToArray().ShouldBe(block);
    }
}
