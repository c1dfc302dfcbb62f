using System.Buffers;
using static MockKit.Http2.Tests.FrameTestHelpers;

namespace MockKit.Http2.Tests;

public class Http2FrameValidationTests
{
    public static TheoryData<string, byte[], Http2ErrorCode> ConnectionErrors => new()
    {
        { "DATA on stream 0", RawFrame(Http2FrameType.Data, 0, 0, 1), Http2ErrorCode.ProtocolError },
        { "HEADERS on stream 0", RawFrame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 0, 0x82), Http2ErrorCode.ProtocolError },
        { "PRIORITY on stream 0", RawFrame(Http2FrameType.Priority, 0, 0, 0, 0, 0, 1, 16), Http2ErrorCode.ProtocolError },
        { "RST_STREAM on stream 0", RawFrame(Http2FrameType.RstStream, 0, 0, 0, 0, 0, 8), Http2ErrorCode.ProtocolError },
        { "PUSH_PROMISE on stream 0", RawFrame(Http2FrameType.PushPromise, 0, 0, 0, 0, 0, 2), Http2ErrorCode.ProtocolError },
        { "CONTINUATION on stream 0", RawFrame(Http2FrameType.Continuation, 0, 0), Http2ErrorCode.ProtocolError },
        { "SETTINGS on a stream", RawFrame(Http2FrameType.Settings, 0, 1), Http2ErrorCode.ProtocolError },
        { "PING on a stream", RawFrame(Http2FrameType.Ping, 0, 1, new byte[8]), Http2ErrorCode.ProtocolError },
        { "GOAWAY on a stream", RawFrame(Http2FrameType.GoAway, 0, 1, new byte[8]), Http2ErrorCode.ProtocolError },
        { "RST_STREAM length 3", RawFrame(Http2FrameType.RstStream, 0, 1, 0, 0, 0), Http2ErrorCode.FrameSizeError },
        { "SETTINGS length 5", RawFrame(Http2FrameType.Settings, 0, 0, new byte[5]), Http2ErrorCode.FrameSizeError },
        { "SETTINGS ACK with payload", RawFrame(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, new byte[6]), Http2ErrorCode.FrameSizeError },
        { "PING length 7", RawFrame(Http2FrameType.Ping, 0, 0, new byte[7]), Http2ErrorCode.FrameSizeError },
        { "GOAWAY length 7", RawFrame(Http2FrameType.GoAway, 0, 0, new byte[7]), Http2ErrorCode.FrameSizeError },
        { "WINDOW_UPDATE length 5", RawFrame(Http2FrameType.WindowUpdate, 0, 1, new byte[5]), Http2ErrorCode.FrameSizeError },
    };

    [Theory]
    [MemberData(nameof(ConnectionErrors))]
    public void Header_rule_violations_are_connection_errors(string description, byte[] bytes, Http2ErrorCode code)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var error = Should.Throw<Http2ConnectionException>(() => Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out _), description);
        error.ErrorCode.ShouldBe(code);
    }

    [Fact]
    public void PRIORITY_of_the_wrong_length_is_a_stream_FRAME_SIZE_ERROR()
    {
        var buffer = new ReadOnlySequence<byte>(RawFrame(Http2FrameType.Priority, 0, 5, 0, 0, 0, 1, 16, 0));
        var error = Should.Throw<Http2StreamException>(() => Http2FrameReader.TryReadFrame(ref buffer, MaxFrameSize, out _));
        error.StreamId.ShouldBe(5);
        error.ErrorCode.ShouldBe(Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public void PRIORITY_depending_on_itself_is_a_stream_PROTOCOL_ERROR()
    {
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.Priority, 0, 5, 0, 0, 0, 5, 16));
        Should.Throw<Http2StreamException>(() => Http2FrameReader.ReadPriority(frame)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
    }

    [Theory]
    [InlineData(new byte[] { 6, 1, 2, 3, 4, 5 })] // Pad Length 6 = the payload length (6).
    [InlineData(new byte[] { 200 })]
    public void DATA_padding_not_shorter_than_the_payload_is_a_connection_PROTOCOL_ERROR(byte[] payload)
    {
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.Data, Http2FrameFlags.Padded, 1, payload));
        var error = Should.Throw<Http2ConnectionException>(() => Http2FrameReader.ReadData(frame));
        error.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        error.Message.ShouldContain("Pad Length");
    }

    [Fact]
    public void DATA_padding_can_leave_zero_data_bytes()
    {
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.Data, Http2FrameFlags.Padded, 1, 4, 0, 0, 0, 0));
        Http2FrameReader.ReadData(frame).Length.ShouldBe(0);
    }

    [Fact]
    public void PADDED_without_a_pad_length_octet_is_a_FRAME_SIZE_ERROR()
    {
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.Data, Http2FrameFlags.Padded, 1));
        Should.Throw<Http2ConnectionException>(() => Http2FrameReader.ReadData(frame)).ErrorCode.ShouldBe(Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public void HEADERS_padding_that_eats_the_priority_fields_is_a_PROTOCOL_ERROR()
    {
        // Pad Length 3 + 5 priority bytes, but only 5 bytes follow the Pad Length.
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.Headers, Http2FrameFlags.Padded | Http2FrameFlags.Priority | Http2FrameFlags.EndHeaders, 1, 3, 0, 0, 0, 0, 16));
        Should.Throw<Http2ConnectionException>(() => Http2FrameReader.ReadHeaders(frame)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void HEADERS_too_short_for_its_priority_fields_is_a_FRAME_SIZE_ERROR()
    {
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.Headers, Http2FrameFlags.Priority | Http2FrameFlags.EndHeaders, 1, 0, 0, 0));
        Should.Throw<Http2ConnectionException>(() => Http2FrameReader.ReadHeaders(frame)).ErrorCode.ShouldBe(Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public void WINDOW_UPDATE_of_zero_is_a_stream_error_on_a_stream_and_a_connection_error_on_stream_0()
    {
        Http2Frame onStream = ReadSingle(RawFrame(Http2FrameType.WindowUpdate, 0, 3, 0, 0, 0, 0));
        var streamError = Should.Throw<Http2StreamException>(() => Http2FrameReader.ReadWindowUpdate(onStream));
        streamError.StreamId.ShouldBe(3);
        streamError.ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);

        Http2Frame onConnection = ReadSingle(RawFrame(Http2FrameType.WindowUpdate, 0, 0, 0x80, 0, 0, 0)); // Reserved bit set, increment 0.
        Should.Throw<Http2ConnectionException>(() => Http2FrameReader.ReadWindowUpdate(onConnection)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void PUSH_PROMISE_of_stream_0_is_a_PROTOCOL_ERROR()
    {
        Http2Frame frame = ReadSingle(RawFrame(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, 0, 0, 0, 0));
        Should.Throw<Http2ConnectionException>(() => Http2FrameReader.ReadPushPromise(frame)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
    }
}
