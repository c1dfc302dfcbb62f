namespace MockKit.Http2.Connection.Tests;

/// <summary>An open stream of either role for the connection core's tests, with both windows at the given size.</summary>
internal sealed class CoreTestStream : Http2Stream, IHttp2Stream
{
    /// <param name="id">The stream id.</param>
    /// <param name="openedByPeer">True for a stream the peer's HEADERS opened; false for one ours opened.</param>
    /// <param name="windowSize">Both windows' initial size.</param>
    public CoreTestStream(int id, bool openedByPeer, int windowSize = Http2Constants.DefaultInitialWindowSize)
    {
        Id = id;
        State = new Http2StreamStateMachine(id);
        if (openedByPeer)
        {
            State.OnReceive(Http2FrameType.Headers, endStream: false);
        }
        else
        {
            State.OnSend(Http2FrameType.Headers, endStream: false);
        }

        SendWindow = new(id, windowSize);
        ReceiveWindow = new(id, windowSize);
    }

    public int Id { get; }

    public Http2StreamStateMachine State { get; }

    public Http2OutboundWindow SendWindow { get; }

    public bool EndStreamQueued { get; set; }

    Http2StreamStateMachine? IHttp2Stream.State => State;

    Http2OutboundWindow? IHttp2Stream.SendWindow => SendWindow;
}
