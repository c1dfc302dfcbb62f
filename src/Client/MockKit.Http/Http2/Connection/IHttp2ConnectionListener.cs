using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection;

/// <summary>
/// What one role (client connection, server session, test peer) does on top of the shared
/// <see cref="Http2ConnectionCore"/>: what a stream means to it, its stream table, its flood
/// accounting. The core handles the connection-level frames (SETTINGS and their ACKs, PING,
/// GOAWAY parsing, connection WINDOW_UPDATE) and the field-block path, and calls these hooks.
/// </summary>
/// <remarks>Every member runs on the reader loop: it must not block, wait for a write or run user code.</remarks>
public interface IHttp2ConnectionListener
{
    /// <summary>True once the role wants the reader loop to stop (e.g. the peer stopped reading and the socket is being closed).</summary>
    bool StopReading { get; }

    /// <summary>Called before each read of the transport (a place for a diagnostic state).</summary>
    void OnReading();

    /// <summary>
    /// Every frame, known type or not, before it is handled: the role's flood accounting
    /// (RFC 9113 section 10.5) and liveness bookkeeping. Throwing ends or resets like any frame handler.
    /// </summary>
    void OnFrameReceived(in Http2Frame frame);

    /// <summary>A DATA frame (section 6.1), already charged to <see cref="Http2ConnectionCore.ReceiveWindow"/>.</summary>
    void OnData(in Http2Frame frame);

    /// <summary>
    /// A complete, decoded field block (HEADERS or PUSH_PROMISE with its CONTINUATIONs, sections
    /// 6.2, 6.6, 6.10). The HPACK context is already up to date whatever the role decides.
    /// </summary>
    /// <param name="first">The header of the block's first frame (type, flags, stream id).</param>
    /// <param name="promisedStreamId">For a PUSH_PROMISE, the promised stream; otherwise 0.</param>
    /// <param name="fields">The decoded fields; reused by the next block, so copy what must outlive the call.</param>
    /// <param name="tooLarge">Set when the list exceeded the decoder's limit (<paramref name="fields"/> is then partial).</param>
    void OnFieldBlock(in Http2FrameHeader first, int promisedStreamId, List<HpackHeaderField> fields, HpackHeaderListTooLargeException? tooLarge);

    /// <summary>RST_STREAM (section 6.4).</summary>
    void OnReset(int streamId, Http2ErrorCode code);

    /// <summary>
    /// The peer's SETTINGS were applied to <see cref="Http2ConnectionCore.PeerSettings"/> and to the open
    /// streams' send windows (section 6.9.2); the ACK is queued right after.
    /// </summary>
    void OnPeerSettings();

    /// <summary>The peer acknowledged our oldest unacknowledged SETTINGS, now in <see cref="Http2ConnectionCore.LocalSettings"/> (section 6.5.3).</summary>
    /// <param name="initialWindowDelta">The change of our SETTINGS_INITIAL_WINDOW_SIZE, for every open stream's receive window.</param>
    void OnLocalSettingsAcknowledged(int initialWindowDelta);

    /// <summary>GOAWAY (section 6.8).</summary>
    void OnGoAway(Http2GoAwayPayload goAway);

    /// <summary>A stream error found while reading (section 5.4.2): reset the stream, fail its exchange.</summary>
    void OnStreamError(Http2StreamException exception);
}
