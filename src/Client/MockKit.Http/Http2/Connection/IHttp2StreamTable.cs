namespace MockKit.Http2.Connection;

/// <summary>The stream table as the shared connection sees it, whatever the role's stream type (see <see cref="Http2StreamTable{TStream}"/>).</summary>
public interface IHttp2StreamTable
{
    /// <summary>The open stream with this id, or null (closed, reset, never opened).</summary>
    IHttp2Stream? Find(int streamId);

    /// <summary>True when no side has used <paramref name="streamId"/> yet (section 5.1.1), so a frame on it other than HEADERS or PRIORITY is a connection error.</summary>
    bool IsIdle(int streamId);

    /// <summary>The peer's SETTINGS_INITIAL_WINDOW_SIZE, where new streams' send windows start.</summary>
    int PeerInitialWindowSize { get; set; }

    /// <summary>
    /// Where new streams' receive windows start, set by the core: the largest of our acknowledged
    /// SETTINGS_INITIAL_WINDOW_SIZE and any we sent that is not acknowledged yet (see <see cref="Http2ConnectionCore.QueueSettings"/>).
    /// </summary>
    int LocalInitialWindowSize { get; set; }

    /// <summary>The highest stream id the peer opened (0 before any): what our GOAWAY names (section 6.8).</summary>
    int LastPeerStreamId { get; }

    /// <summary>A copy of the open streams (to act on outside the lock).</summary>
    IHttp2Stream[] Snapshot();

    /// <summary>Forgets a stream (once closed: by a frame we sent, see <see cref="Http2ConnectionCore.ForgetsClosedStreams"/>); false when it was not in the table.</summary>
    bool Remove(int streamId);
}
