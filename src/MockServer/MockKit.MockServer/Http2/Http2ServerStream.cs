using System.Buffers;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Http2;

/// <summary>
/// One HTTP/2 stream of a <see cref="Http2ServerSession"/>: its state machine, flow-control
/// windows, the request as it arrives, and the exchange task's handle on it. It is also the
/// <see cref="ISocketEffectTarget"/> for policies fired on this exchange, so "close the stream"
/// means RST_STREAM on this stream and "stall" stalls this stream only.
/// </summary>
/// <remarks>
/// Lock discipline: the mutable request fields are guarded by the session's <c>_lock</c>
/// (<see cref="Http2ServerSession.StreamLock"/>): the reader loop writes them, the exchange task
/// reads them. The body waiter is completed after the lock is released.
/// </remarks>
internal sealed partial class Http2ServerStream : Http2Stream, ISocketEffectTarget, IHttp2FrameProducer, IHttp2Stream
{
    private readonly Http2ServerSession _session;

    // The response staged for the writer (Http2ServerSession.QueueResponse): set by the exchange,
    // taken by the writer loop; the queue between them orders the two. Either its fields, or the
    // response whose fields the writer makes into a list of its own (no list per response).
    private List<HpackHeaderField>? _stagedFields;
    private MockResponse? _stagedResponse;
    private bool _stagedAddLength;
    private ReadOnlyMemory<byte> _stagedBody;
    private bool _stagedEndStream;
    private TaskCompletionSource? _bodyWaiter; // Guarded by the session lock.
    private long _bodyThreshold;               // Guarded by the session lock.

    // Made by the first DATA frame: most requests (GETs) have none, and their record takes the empty
    // array without a recorder. Guarded by the session lock, like the flag: once the record took the
    // body, later bytes are only counted (BodyRecorder.Detach).
    private readonly long _bodyLimit; // MockWebServer.BodyLimit as the stream opened ("read when each request starts").
    private BodyRecorder? _body;
    private bool _bodyDetached;

    /// <summary>Creates a stream.</summary>
    /// <param name="session">The session.</param>
    /// <param name="id">The stream id.</param>
    /// <param name="sequence">The per-connection sequence number of its exchange.</param>
    /// <param name="state">Its section 5.1 state.</param>
    /// <param name="sendWindow">The peer's SETTINGS_INITIAL_WINDOW_SIZE.</param>
    /// <param name="receiveWindow">
    /// Our SETTINGS_INITIAL_WINDOW_SIZE; -1 when the client will send no DATA on it (its request ended
    /// with the HEADERS, or a pushed stream): no receive window is made, since any DATA is a
    /// STREAM_CLOSED stream error before a window is charged (section 5.1, half-closed remote).
    /// </param>
    /// <param name="bodyLimit">Request body bytes to keep.</param>
    public Http2ServerStream(Http2ServerSession session, int id, int sequence, Http2StreamStateMachine state, int sendWindow, int receiveWindow, long bodyLimit)
    {
        _session = session;
        Id = id;
        Sequence = sequence;
        State = state;
        // Both windows are guarded by the session lock rather than a lock each (two objects per
        // stream): the reader already charges and credits the receive window under it, and the windows
        // hold it for arithmetic only (see Http2ServerSession's lock discipline).
        SendWindow = new Http2OutboundWindow(id, sendWindow, session.StreamLock);
        ReceiveWindow = receiveWindow < 0 ? null : new Http2InboundWindow(id, receiveWindow, session.StreamLock);
        _bodyLimit = bodyLimit;
        Lifetime = CancellationTokenSource.CreateLinkedTokenSource(session.SessionToken);
    }

    public int Id { get; }

    /// <summary>The per-connection sequence number of this exchange.</summary>
    public int Sequence { get; }

    /// <summary>Section 5.1 state. Guarded by the session lock.</summary>
    public Http2StreamStateMachine State { get; }

    public Http2OutboundWindow SendWindow { get; }

    /// <summary>Cancelled when the stream is reset (either side) or the session ends.</summary>
    public CancellationTokenSource Lifetime { get; }

    /// <summary>The request head; null for pushed streams. Set before the exchange starts.</summary>
    public Http2RequestHead? Head { get; set; }

    /// <summary>True for a stream the server promised (PUSH_PROMISE).</summary>
    public bool IsPush { get; init; }

    /// <summary>Request body bytes received so far, kept or not. Guarded by the session lock.</summary>
    public long BodySize => _body?.Size ?? 0;

    /// <summary>Records request body bytes (the first <see cref="MockWebServer.BodyLimit"/> are kept). Guarded by the session lock.</summary>
    public void AppendBody(in ReadOnlySequence<byte> data)
    {
        // Sized for the declared content-length when small (BodyRecorder); after the record took the
        // body (no DATA had come), a recorder that keeps nothing only counts.
        _body ??= new BodyRecorder(_bodyDetached ? 0 : _bodyLimit, Head?.ContentLength ?? -1);
        _body.Append(data);
    }

    /// <summary>The retained body for the record, the same array on every call (<see cref="BodyRecorder.Detach"/>). Guarded by the session lock.</summary>
    public byte[] DetachBody()
    {
        _bodyDetached = true;
        return _body?.Detach() ?? [];
    }

    /// <summary>Request trailers. Guarded by the session lock.</summary>
    public List<KeyValuePair<string, string>>? Trailers { get; set; }

    /// <summary>The client ended its side (END_STREAM). Guarded by the session lock.</summary>
    public bool RequestEnded { get; set; }

    /// <summary>Why the request could not be read in full (reset, malformed body). Guarded by the session lock.</summary>
    public Exception? RequestFailure { get; set; }

    /// <summary>
    /// The code of the client's RST_STREAM when it closed this stream (the state machine's
    /// <see cref="Http2StreamStateMachine.ResetByPeer"/>), for the abandoned exchange's record. Guarded by the session lock.
    /// </summary>
    public Http2ErrorCode PeerResetCode { get; set; }

    /// <summary>False once the exchange decided not to read the body (DoNotReadRequestBody). Guarded by the session lock.</summary>
    public bool ReadsBody { get; set; } = true;

    /// <summary>
    /// The body's way to a streaming dispatcher (<see cref="Streaming.IStreamingDispatcher"/>), prepared
    /// as the HEADERS arrive when the server's dispatcher may stream; null otherwise or once detached.
    /// While set, DATA goes into it too and its stream credit returns only as the dispatcher reads.
    /// Guarded by the session lock.
    /// </summary>
    public Streaming.RequestBodyPipe? BodyPipe { get; set; }

    /// <summary>
    /// The response this stream claimed as its HEADERS arrived (reader loop; see OpenStream and
    /// ServerExchange.ClaimOnArrival), handed to its exchange, which owns it from then on (and hands
    /// it back if it ends early).
    /// </summary>
    public ResponseClaim? ArrivalClaim { get; set; }

    /// <summary>
    /// Waits until at least <paramref name="threshold"/> body bytes arrived, the request ended, or it failed.
    /// </summary>
    public async Task WaitForBodyAsync(long threshold, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_session.StreamLock)
        {
            if (RequestEnded || RequestFailure is not null || BodySize >= threshold)
            {
                return;
            }

            _bodyThreshold = threshold;
            waiter = _bodyWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Called under the session lock after the request progressed; returns a waiter to release after the lock.</summary>
    public TaskCompletionSource? TakeWaiterIfSatisfied()
    {
        // The body pipe learns of the end (or the failure) at the same moments as the waiter.
        if (RequestFailure is { } failure)
        {
            BodyPipe?.Complete(failure);
        }
        else if (RequestEnded)
        {
            BodyPipe?.Complete();
        }

        if (_bodyWaiter is { } waiter && (RequestEnded || RequestFailure is not null || BodySize >= _bodyThreshold))
        {
            _bodyWaiter = null;
            return waiter;
        }

        return null;
    }

    /// <summary>
    /// Cancels <see cref="Lifetime"/>; safe to call from the reader loop after the exchange ended
    /// and disposed it (a reset racing the end of the exchange).
    /// </summary>
    public void Abort()
    {
        try
        {
            Lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The exchange already finished; nothing is left to cancel.
        }
    }

    /// <summary>
    /// True once the exchange queued a frame with END_STREAM (the writer applies it to <see cref="State"/>
    /// when it writes it). Set and read by the exchange task only.
    /// </summary>
    public bool EndStreamQueued { get; set; }

    /// <summary>Stages the response HEADERS (and one DATA frame, credit taken) for <see cref="WriteFrames"/>; once per stream.</summary>
    public void StageResponse(List<HpackHeaderField> fields, ReadOnlyMemory<byte> body, bool endStream)
    {
        _stagedFields = fields;
        _stagedBody = body;
        _stagedEndStream = endStream;
    }

    /// <summary>
    /// Stages the HEADERS of <paramref name="response"/> (see Http2ServerSession.ResponseFields), made
    /// by the writer loop, and one DATA frame, credit taken, for <see cref="WriteFrames"/>; once per stream.
    /// </summary>
    public void StageResponse(MockResponse response, bool addLength, ReadOnlyMemory<byte> body, bool endStream)
    {
        _stagedResponse = response;
        _stagedAddLength = addLength;
        _stagedBody = body;
        _stagedEndStream = endStream;
    }

    /// <summary>Writer loop: writes the staged response and lets go of it.</summary>
    public void WriteFrames(IBufferWriter<byte> output)
    {
        var fields = _stagedFields;
        var response = _stagedResponse;
        var body = _stagedBody;
        _stagedFields = null;
        _stagedResponse = null;
        _stagedBody = default;
        if (fields is not null)
        {
            _session.WriteStagedResponse(output, this, fields, body, _stagedEndStream);
        }
        else if (response is not null)
        {
            _session.WriteStagedResponse(output, this, response, _stagedAddLength, body, _stagedEndStream);
        }
    }

    public ValueTask CloseSocketAsync() => _session.CloseSocketAsync();

    public void ShutdownSocket(bool input, bool output) => _session.Connection.ShutdownSocket(input, output);

    public ValueTask ShutdownConnectionAsync() => _session.ShutdownGracefullyAsync();

    public ValueTask CloseStreamAsync(Http2ErrorCode code) => _session.ResetStreamAsync(this, code);

    public async Task StallAsync(CancellationToken cancellationToken)
    {
        // Only this stream stalls; the reader loop and the other streams carry on.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lifetime.Token);
        await Task.Delay(Timeout.InfiniteTimeSpan, _session.Connection.Server.TimeProvider, linked.Token).ConfigureAwait(false);
    }

    public void ShutdownServer() => _session.Connection.Server.ShutdownFromPolicy();

    public override string ToString() => $"stream {Id} ({State.State})";
}
