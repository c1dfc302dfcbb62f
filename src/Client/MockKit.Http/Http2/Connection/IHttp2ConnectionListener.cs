using System.Buffers;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection;

/// <summary>
/// What one role (client connection, server session, test peer) does on top of the shared
/// <see cref="Http2ConnectionCore"/>: what a stream means to it, its stream table, its flood
/// accounting. The core handles the connection-level frames (SETTINGS and their ACKs, PING,
/// GOAWAY sent and received, connection WINDOW_UPDATE), every RST_STREAM and WINDOW_UPDATE sent,
/// and the field-block path, and calls these hooks.
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

    /// <summary>
    /// DATA for one of the role's streams (section 6.1), already through the core: the stream's state
    /// moved, both windows charged, padding credited back, empty-DATA flood and content-length
    /// (section 8.1.1) checked. The role stores the data and returns its credit as it is consumed
    /// (<see cref="Http2ConnectionCore.ReturnConnectionCredit"/>, <see cref="Http2ConnectionCore.QueueWindowUpdate(int, int, bool)"/>).
    /// </summary>
    /// <param name="stream">The role's stream (its own type).</param>
    /// <param name="data">The payload, padding removed; valid only during the call.</param>
    /// <param name="endStream">True when the frame carried END_STREAM.</param>
    void OnData(Http2Stream stream, in ReadOnlySequence<byte> data, bool endStream);

    /// <summary>
    /// A complete, decoded field block (HEADERS or PUSH_PROMISE with its CONTINUATIONs, sections
    /// 6.2, 6.6, 6.10). The HPACK context is already up to date whatever the role decides.
    /// </summary>
    /// <param name="first">The header of the block's first frame (type, flags, stream id).</param>
    /// <param name="stream">
    /// For HEADERS, the stream the block continues, its state already moved (and, once
    /// <see cref="Http2Stream.HeadReceived"/>, checked as trailers: END_STREAM, content-length); null
    /// for a server's new stream on an idle id, which the role opens. Null for PUSH_PROMISE.
    /// </param>
    /// <param name="promisedStreamId">For a PUSH_PROMISE, the promised stream; otherwise 0.</param>
    /// <param name="fields">The decoded fields; reused by the next block, so copy what must outlive the call.</param>
    /// <param name="tooLarge">Set when the list exceeded the decoder's limit (<paramref name="fields"/> is then partial).</param>
    void OnFieldBlock(in Http2FrameHeader first, Http2Stream? stream, int promisedStreamId, List<HpackHeaderField> fields, HpackHeaderListTooLargeException? tooLarge);

    /// <summary>
    /// The peer reset one of the role's streams (section 6.4): the core found it, moved its state,
    /// remembered the reset (section 5.1) and took a client's stream out of the table; what the reset
    /// means is the role's. The core then aborts the stream's send window with the failure returned.
    /// </summary>
    /// <param name="stream">The role's stream.</param>
    /// <param name="code">The peer's error code.</param>
    /// <param name="closedByIt">False when the stream had already closed (the reset crossed our END_STREAM or RST_STREAM).</param>
    /// <returns>Why the stream's sender stops.</returns>
    Exception OnReset(Http2Stream stream, Http2ErrorCode code, bool closedByIt);

    /// <summary>
    /// The peer's SETTINGS were applied to <see cref="Http2ConnectionCore.PeerSettings"/> and to the open
    /// streams' send windows (section 6.9.2); the ACK is queued right after.
    /// </summary>
    void OnPeerSettings();

    /// <summary>GOAWAY (section 6.8), already recorded (<see cref="Http2ConnectionCore.PeerGoingAway"/>, <see cref="Http2ConnectionCore.PeerGoAwayLastStreamId"/>).</summary>
    void OnGoAway(Http2GoAwayPayload goAway);

    /// <summary>A stream error found while reading (section 5.4.2): reset the stream, fail its exchange.</summary>
    /// <param name="exception">The error.</param>
    /// <param name="stream">The stream, when still in the table or closed by the very frame in error; otherwise null.</param>
    /// <param name="inTable">True when <paramref name="stream"/> is still in the table (a stream closed by the frame in error needs no RST_STREAM, section 5.1).</param>
    void OnStreamError(Http2StreamException exception, Http2Stream? stream, bool inTable);
}
