namespace MockKit.Http2.Tests;

public class Http2StreamStateMachineTests
{
    [Fact]
    public void Request_response_lifecycle_from_the_server_side()
    {
        var stream = new Http2StreamStateMachine(1);
        stream.OnReceive(Http2FrameType.Headers, endStream: false).ShouldBeTrue();
        stream.State.ShouldBe(Http2StreamState.Open);
        stream.OnReceive(Http2FrameType.Data, endStream: true).ShouldBeTrue();
        stream.State.ShouldBe(Http2StreamState.HalfClosedRemote);
        stream.OnSend(Http2FrameType.Headers, endStream: false);
        stream.OnSend(Http2FrameType.Data, endStream: true);
        stream.State.ShouldBe(Http2StreamState.Closed);
        stream.OnReceive(Http2FrameType.WindowUpdate, endStream: false).ShouldBeFalse("late WINDOW_UPDATE is ignored");
    }

    [Fact]
    public void Client_side_lifecycle()
    {
        var stream = new Http2StreamStateMachine(1);
        stream.OnSend(Http2FrameType.Headers, endStream: true);
        stream.State.ShouldBe(Http2StreamState.HalfClosedLocal);
        stream.OnReceive(Http2FrameType.Headers, endStream: false).ShouldBeTrue();
        stream.OnReceive(Http2FrameType.Data, endStream: true).ShouldBeTrue();
        stream.State.ShouldBe(Http2StreamState.Closed);
    }

    [Theory]
    [InlineData((byte)Http2FrameType.Data)]
    [InlineData((byte)Http2FrameType.RstStream)]
    [InlineData((byte)Http2FrameType.WindowUpdate)]
    public void Frames_other_than_HEADERS_or_PRIORITY_on_an_idle_stream_are_connection_PROTOCOL_ERRORs(byte type)
    {
        var stream = new Http2StreamStateMachine(3);
        Should.Throw<Http2ConnectionException>(() => stream.OnReceive((Http2FrameType)type, false)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        new Http2StreamStateMachine(3).OnReceive(Http2FrameType.Priority, false).ShouldBeTrue();
    }

    [Fact]
    public void DATA_on_a_half_closed_remote_stream_is_a_stream_STREAM_CLOSED_error()
    {
        var stream = new Http2StreamStateMachine(1);
        stream.OnReceive(Http2FrameType.Headers, endStream: true);
        var error = Should.Throw<Http2StreamException>(() => stream.OnReceive(Http2FrameType.Data, false));
        error.ErrorCode.ShouldBe(Http2ErrorCode.StreamClosed);
        error.StreamId.ShouldBe(1);
        stream.OnReceive(Http2FrameType.WindowUpdate, false).ShouldBeTrue();
        stream.OnReceive(Http2FrameType.RstStream, false).ShouldBeTrue();
        stream.State.ShouldBe(Http2StreamState.Closed);
    }

    [Fact]
    public void After_we_reset_a_stream_its_frames_are_ignored()
    {
        var stream = new Http2StreamStateMachine(1);
        stream.OnReceive(Http2FrameType.Headers, false);
        stream.OnSend(Http2FrameType.RstStream, false);
        stream.OnReceive(Http2FrameType.Data, false).ShouldBeFalse();
        stream.OnReceive(Http2FrameType.Headers, true).ShouldBeFalse();
    }

    [Fact]
    public void After_the_peer_resets_a_stream_further_frames_are_STREAM_CLOSED_stream_errors()
    {
        var stream = new Http2StreamStateMachine(1);
        stream.OnReceive(Http2FrameType.Headers, false);
        stream.OnReceive(Http2FrameType.RstStream, false);
        Should.Throw<Http2StreamException>(() => stream.OnReceive(Http2FrameType.Data, false)).ErrorCode.ShouldBe(Http2ErrorCode.StreamClosed);
        stream.OnReceive(Http2FrameType.Priority, false).ShouldBeTrue();
    }

    [Fact]
    public void DATA_after_both_END_STREAMs_is_a_connection_STREAM_CLOSED_error()
    {
        var stream = new Http2StreamStateMachine(1);
        stream.OnSend(Http2FrameType.Headers, endStream: true);
        stream.OnReceive(Http2FrameType.Headers, endStream: true);
        stream.State.ShouldBe(Http2StreamState.Closed);
        Should.Throw<Http2ConnectionException>(() => stream.OnReceive(Http2FrameType.Data, false)).ErrorCode.ShouldBe(Http2ErrorCode.StreamClosed);
    }

    [Fact]
    public void Push_promise_reservations()
    {
        var promised = new Http2StreamStateMachine(2);
        promised.Reserve(local: false);
        promised.State.ShouldBe(Http2StreamState.ReservedRemote);
        Should.Throw<Http2ConnectionException>(() => promised.OnReceive(Http2FrameType.Data, false)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);
        promised.OnReceive(Http2FrameType.Headers, false).ShouldBeTrue();
        promised.State.ShouldBe(Http2StreamState.HalfClosedLocal);
        Should.Throw<Http2ConnectionException>(() => promised.Reserve(local: false)).ErrorCode.ShouldBe(Http2ErrorCode.ProtocolError);

        var pushed = new Http2StreamStateMachine(4);
        pushed.Reserve(local: true);
        pushed.OnSend(Http2FrameType.Headers, endStream: false);
        pushed.State.ShouldBe(Http2StreamState.HalfClosedRemote);
        pushed.OnSend(Http2FrameType.Data, endStream: true);
        pushed.State.ShouldBe(Http2StreamState.Closed);
    }

    [Fact]
    public void Illegal_sends_are_local_bugs()
    {
        Should.Throw<InvalidOperationException>(() => new Http2StreamStateMachine(1).OnSend(Http2FrameType.RstStream, false));
        Should.Throw<InvalidOperationException>(() => new Http2StreamStateMachine(1).OnSend(Http2FrameType.Data, false));
        var halfClosed = new Http2StreamStateMachine(1);
        halfClosed.OnSend(Http2FrameType.Headers, endStream: true);
        Should.Throw<InvalidOperationException>(() => halfClosed.OnSend(Http2FrameType.Data, false)).Message.ShouldContain("HalfClosedLocal");
    }
}
