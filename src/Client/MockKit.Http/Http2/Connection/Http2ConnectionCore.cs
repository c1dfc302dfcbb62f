using System.IO.Pipelines;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Connection;

/// <summary>
/// The part of one HTTP/2 connection (RFC 9113) both roles share: the one frame switch (the
/// <see cref="IHttp2FrameSink"/> of <see cref="Http2ReadLoop"/>), the settings in force in each
/// direction with the queue of our unacknowledged SETTINGS (section 6.5.3), PING and its ACK
/// (section 6.7), GOAWAY both ways and the close after ours (section 6.8), the connection's
/// flow-control windows and its WINDOW_UPDATE (sections 6.9, 6.9.1),
/// the field-block path (HEADERS / PUSH_PROMISE + CONTINUATION, HPACK decoding, sections 4.3, 6.10)
/// and the rules that depend only on the role: stream-id parity (section 5.1.1) and who may receive
/// PUSH_PROMISE (sections 6.6, 8.4). What a stream means is the role's, through
/// <see cref="IHttp2ConnectionListener"/>.
/// </summary>
/// <remarks>
/// Threads: the frame handlers, <see cref="PeerSettings"/> and <see cref="LocalSettings"/> belong
/// to the reader loop. <see cref="QueueSettings"/>, <see cref="PingAsync"/> and <see cref="Close"/>
/// may be called from any thread; they take this object's own lock for bookkeeping only (never
/// across I/O or while completing a task), and it is never held while calling the listener, so
/// it sits below every lock of the roles.
/// </remarks>
public sealed partial class Http2ConnectionCore : IHttp2FrameSink, IDisposable
{
    private readonly Lock _lock = new();
    private readonly IHttp2ConnectionListener _listener;
    private readonly IHttp2StreamTable _streams;                              // Guarded by _streamLock.
    private readonly Lock _streamLock;                                        // The role's lock: it guards the stream table and stream states.
    private readonly Http2FrameQueue _frames;
    private readonly HpackDecoder _decoder;                                   // Reader loop only.
    private readonly Http2FieldCollector _fields = new();                     // Reader loop only.
    private readonly Queue<Http2Settings> _unacknowledged = new();            // Guarded by _lock.
    private readonly List<int> _unacknowledgedWindowSizes = [];              // Guarded by _streamLock: our SETTINGS_INITIAL_WINDOW_SIZE values in flight.
    private int _acknowledgedWindowSize = Http2Constants.DefaultInitialWindowSize; // Guarded by _streamLock.
    private readonly TaskCompletionSource _peerSettingsReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<bool>? _ping;                                // Guarded by _lock: our PING in flight.
    private ulong _pingPayload;                                               // Guarded by _lock.
    private bool _closed;                                                     // Guarded by _lock.
    private volatile int _peerMaxFrameSize = Http2Constants.DefaultMaxFrameSize;
    private volatile bool _peerEnablePush = true;
    private volatile bool _peerEnableConnectProtocol;
    private volatile bool _localSettingsAcknowledged;

    /// <summary>Creates the shared part of a connection.</summary>
    /// <param name="role">Which end this is.</param>
    /// <param name="listener">The role's hooks.</param>
    /// <param name="streams">The role's stream table.</param>
    /// <param name="streamLock">The lock that guards <paramref name="streams"/> and the streams' states (the role's own).</param>
    /// <param name="frames">The connection's single writer (ACKs and PINGs are queued on it).</param>
    /// <param name="decoder">The HPACK decoder for the peer's field blocks (owned from now on: disposed with this object).</param>
    /// <param name="receiveWindowSize">The connection receive window we announce (raised from 65,535 by the role's first WINDOW_UPDATE, if larger).</param>
    public Http2ConnectionCore(Http2Role role, IHttp2ConnectionListener listener, IHttp2StreamTable streams, Lock streamLock, Http2FrameQueue frames, HpackDecoder decoder, int receiveWindowSize)
    {
        Role = role;
        _listener = listener;
        _streams = streams;
        _streamLock = streamLock;
        _frames = frames;
        _decoder = decoder;
        ReceiveWindow = new Http2InboundWindow(0, receiveWindowSize);
    }

    /// <summary>Which end of the connection this is.</summary>
    public Http2Role Role { get; }

    /// <summary>The peer's settings in force (reader loop only; other threads read the volatile copies below).</summary>
    public Http2PeerSettings PeerSettings { get; } = new();

    /// <summary>Our settings the peer has acknowledged, so must respect (reader loop only).</summary>
    public Http2PeerSettings LocalSettings { get; } = new();

    /// <summary>The field-block assembler (HEADERS / PUSH_PROMISE + CONTINUATION), reader loop only.</summary>
    public Http2HeaderBlockAssembler Assembler { get; } = new();

    /// <summary>The connection send window (section 6.9.1): every DATA frame we send takes credit from it.</summary>
    public Http2OutboundWindow SendWindow { get; } = new(0, Http2Constants.DefaultInitialWindowSize);

    /// <summary>The connection receive window: every DATA frame the peer sends is charged to it.</summary>
    public Http2InboundWindow ReceiveWindow { get; }

    /// <summary>The peer's SETTINGS_MAX_FRAME_SIZE: the largest frame payload we may send (section 4.2).</summary>
    public int PeerMaxFrameSize => _peerMaxFrameSize;

    /// <summary>The peer's SETTINGS_ENABLE_PUSH (section 6.5.2): whether a server may push to it.</summary>
    public bool PeerEnablePush => _peerEnablePush;

    /// <summary>The peer's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 section 3): whether extended CONNECT may be sent.</summary>
    public bool PeerEnableConnectProtocol => _peerEnableConnectProtocol;

    /// <summary>True once the peer acknowledged at least one SETTINGS frame of ours.</summary>
    public bool LocalSettingsAcknowledged => _localSettingsAcknowledged;

    /// <summary>Completes when the peer's first SETTINGS arrived (section 3.4); faults with the failure of <see cref="Close"/>.</summary>
    public Task PeerSettingsReceived => _peerSettingsReceived.Task;

    /// <summary>Runs the reader loop with this connection as its frame switch.</summary>
    /// <param name="input">The connection's input (after the preface).</param>
    /// <param name="maxFrameSize">Our SETTINGS_MAX_FRAME_SIZE (section 4.2).</param>
    /// <param name="cancellationToken">Ends a pending read.</param>
    /// <returns>Why the loop stopped, and how many bytes of an incomplete frame were left.</returns>
    public Task<(Http2ReadLoopStop Stop, long Leftover)> ReadFramesAsync(PipeReader input, uint maxFrameSize, CancellationToken cancellationToken) =>
        Http2ReadLoop.RunAsync(input, maxFrameSize, Assembler, this, cancellationToken);

    /// <summary>
    /// Queues SETTINGS of ours (section 6.5); they apply to <see cref="LocalSettings"/> when the
    /// peer acknowledges them, in the order sent (section 6.5.3).
    /// </summary>
    /// <remarks>
    /// One rule for the streams' receive windows, both roles (section 6.9.2): the peer adjusts its
    /// send windows when it reads our SETTINGS_INITIAL_WINDOW_SIZE, which may be before its ACK
    /// reaches us, and keeps the old size until then. So every stream's receive window, open or new,
    /// is sized at the largest of the acknowledged value and those still unacknowledged: a raise
    /// counts from when it is sent, a cut from when it is acknowledged. Never stricter than the peer.
    /// </remarks>
    /// <param name="settings">The settings.</param>
    /// <param name="enableConnectProtocol">Adds SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 section 3).</param>
    public void QueueSettings(Http2Settings settings, bool enableConnectProtocol = false)
    {
        var entries = Http2SettingsCodec.ToEntries(settings);
        if (enableConnectProtocol)
        {
            entries.Add(new Http2Setting(Http2SettingId.EnableConnectProtocol, 1));
        }

        if (settings.InitialWindowSize is { } windowSize)
        {
            // Before the frame is queued, so its ACK cannot be read first.
            ResizeStreamReceiveWindows(sent: windowSize, acknowledged: null);
        }

        lock (_lock)
        {
            // Enqueued and queued together (queuing is a non-blocking channel write, no I/O): two
            // threads sending SETTINGS at once leave them in the writer in the order of this queue,
            // so each ACK applies the settings it acknowledges.
            _unacknowledged.Enqueue(settings);
            _frames.Queue(w => Http2FrameWriter.WriteSettings(w, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries)));
        }
    }

    /// <summary>
    /// Sizes every stream's receive window, and new streams', at the largest of our acknowledged
    /// SETTINGS_INITIAL_WINDOW_SIZE and the unacknowledged ones (see <see cref="QueueSettings"/>).
    /// Under the stream lock, so a stream opened meanwhile starts at the new size or is moved, never
    /// both; each window's own lock is taken inside it (arithmetic only).
    /// </summary>
    /// <param name="sent">A size we are sending, or null.</param>
    /// <param name="acknowledged">A size the peer acknowledged, or null.</param>
    private void ResizeStreamReceiveWindows(int? sent, int? acknowledged)
    {
        lock (_streamLock)
        {
            if (sent is { } added)
            {
                _unacknowledgedWindowSizes.Add(added);
            }

            if (acknowledged is { } done)
            {
                _unacknowledgedWindowSizes.Remove(done);
                _acknowledgedWindowSize = done;
            }

            var size = _acknowledgedWindowSize;
            foreach (var pending in _unacknowledgedWindowSizes)
            {
                size = Math.Max(size, pending);
            }

            if (size == _streams.LocalInitialWindowSize)
            {
                return;
            }

            _streams.LocalInitialWindowSize = size;
            foreach (var stream in _streams.Snapshot())
            {
                ((Http2Stream)stream).ReceiveWindow?.ResizeTo(size);
            }
        }
    }

    /// <summary>
    /// Sends a PING (section 6.7), or joins the one in flight. The task completes true on its ACK,
    /// false when the connection closes first; the caller applies its own deadline.
    /// </summary>
    public Task<bool> PingAsync()
    {
        TaskCompletionSource<bool> ping;
        ulong payload;
        lock (_lock)
        {
            if (_closed)
            {
                return Task.FromResult(false);
            }

            if (_ping is not null)
            {
                return _ping.Task;
            }

            ping = _ping = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            payload = _pingPayload = (ulong)Random.Shared.NextInt64();
        }

        _frames.Queue(w => Http2FrameWriter.WritePing(w, payload));
        return ping.Task;
    }

    /// <summary>
    /// The connection ended: a PING in flight answers false, a wait for the peer's first SETTINGS
    /// fails with <paramref name="failure"/>, and DATA waiting for connection credit fails too.
    /// </summary>
    public void Close(Exception failure)
    {
        TaskCompletionSource<bool>? ping;
        lock (_lock)
        {
            _closed = true;
            ping = _ping;
            _ping = null;
        }

        ping?.TrySetResult(false);
        if (_peerSettingsReceived.TrySetException(failure))
        {
            _ = _peerSettingsReceived.Task.Exception; // Observed: a role that never waits for it (the server) leaves no unobserved exception.
        }

        SendWindow.Abort(failure);
    }

    /// <summary>Returns the assembler's and decoder's pooled buffers; call once the reader loop ended.</summary>
    public void Dispose()
    {
        Assembler.Dispose();
        _decoder.Dispose();
    }
}
