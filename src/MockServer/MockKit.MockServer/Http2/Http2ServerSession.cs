using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Diagnostics;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Http2;

/// <summary>
/// Serves HTTP/2 (RFC 9113) on one connection, after ALPN picked h2, for cleartext prior
/// knowledge, or after a CONNECT tunnel was upgraded to TLS with h2.
/// </summary>
/// <remarks>
/// <para><b>Tasks.</b> Three kinds, and nothing else touches the transport:</para>
/// <list type="bullet">
/// <item>The <b>reader loop</b> (<see cref="RunAsync"/>) runs the connection both roles share
/// (<see cref="Http2ConnectionCore"/>: frames, settings, PING, windows, field blocks) with this
/// session as its server role (<c>Http2ServerSession.Reader.cs</c> and <c>.Requests.cs</c>): it keeps
/// the request streams and their bodies, and starts one exchange task per request stream. It never runs user code (dispatchers, policies) and never waits for a write: every frame it
/// wants sent (ACKs, WINDOW_UPDATE, RST_STREAM) is queued without blocking.</item>
/// <item>The <b>writer loop</b> (<c>Http2ServerSession.Writer.cs</c>) is the single writer: it drains a
/// channel of frame producers in order, owns the HPACK encoder, and batches writes until the channel is
/// empty before flushing.</item>
/// <item>One <b>exchange task</b> per stream runs the exchange pipeline (<see cref="Exchanges.ServerExchange"/>:
/// claim, triggers, recording, dispatch, response) with the stream as its transport
/// (<c>Http2ServerStream.Exchange.cs</c> → <c>Http2ServerSession.Exchange.cs</c>, <c>.Response.cs</c>,
/// <c>.Push.cs</c>, <c>.Tunnel.cs</c>), waiting on flow control as needed. The response is claimed
/// earlier, on the reader as the HEADERS arrive, for every dispatcher whose claim runs no user code.
/// Concurrent streams are dispatched concurrently.</item>
/// </list>
/// <para><b>Errors</b> (section 5.4). Stream errors (<see cref="Http2StreamException"/>) are answered with
/// RST_STREAM and the loop carries on; connection errors (<see cref="Http2ConnectionException"/>, HPACK
/// failures as COMPRESSION_ERROR) end up in the one catch ladder in <see cref="RunAsync"/>, which sends
/// GOAWAY with the code and closes. Flood limits (ENHANCE_YOUR_CALM, section 10.5; the budget rule is
/// on <see cref="Http2FloodGuard"/>): more than <see cref="PingLimit"/> PINGs, <see cref="SettingsLimit"/>
/// SETTINGS, <see cref="ResetLimit"/> streams reset (by the client, or by us as malformed, refused or
/// in error), <see cref="EmptyDataLimit"/> empty DATA, <see cref="WindowUpdateLimit"/> WINDOW_UPDATE or
/// <see cref="PriorityLimit"/> PRIORITY frames within one second unless served requests and sent data
/// earn the budget back; more than <see cref="MaxQueuedControlFrames"/> replies queued for a peer that
/// does not read closes the connection; field blocks over 256 KiB or 1024 CONTINUATION frames
/// (<see cref="Http2HeaderBlockAssembler"/>); a decoded header list over 16 times
/// <see cref="MockWebServer.MaxRequestHeadBytes"/> (an HPACK bomb).</para>
/// <para><b>Lock discipline.</b> <c>_lock</c> guards the stream table, the stream states, each stream's
/// request fields and the connection bookkeeping (last stream id, GOAWAY, pending SETTINGS). It is held
/// only for bookkeeping: never across I/O, awaiting, or completing a task. A stream's two flow-control
/// windows are guarded by <c>_lock</c> too (shared, so a stream makes no lock objects of its own); the
/// connection's windows have their own locks. The reader charges and credits a stream's DATA under
/// <c>_lock</c>, which the receive window re-enters (arithmetic only). Outbound windows complete
/// waiters' tasks after releasing their lock, so they are called only with no lock held. No window
/// calls back into the session.</para>
/// </remarks>
internal sealed partial class Http2ServerSession : IDisposable
{
    /// <summary>PING frames accepted per second before ENHANCE_YOUR_CALM.</summary>
    public const int PingLimit = 1000;

    /// <summary>SETTINGS frames accepted per second before ENHANCE_YOUR_CALM.</summary>
    public const int SettingsLimit = 100;

    /// <summary>
    /// Streams reset per second before ENHANCE_YOUR_CALM: RST_STREAM from the client ("rapid reset",
    /// CVE-2023-44487) and streams we reset or refuse while reading (malformed, over the concurrency
    /// limit, stream errors: CVE-2019-9514 and "MadeYouReset", CVE-2025-8671). Each such stream is
    /// recorded and logged, so this also bounds the records and log lines a flood leaves.
    /// </summary>
    public const int ResetLimit = 1000;

    /// <summary>DATA frames with no data and no END_STREAM accepted per second (CVE-2019-9518).</summary>
    public const int EmptyDataLimit = 1000;

    /// <summary>WINDOW_UPDATE frames accepted per second, beyond those earned by DATA we send.</summary>
    public const int WindowUpdateLimit = 1000;

    /// <summary>PRIORITY frames accepted per second (they are advisory and ignored, section 5.3.2).</summary>
    public const int PriorityLimit = 1000;

    /// <summary>
    /// Replies to the peer (PING and SETTINGS ACKs, RST_STREAM, WINDOW_UPDATE, GOAWAY) that may wait
    /// in the writer's queue; past it the peer is not reading (CVE-2019-9512 and 9515 keep a server
    /// queueing ACKs forever) and the connection is closed. About 10,000 × ~100 bytes of queue.
    /// </summary>
    public const int MaxQueuedControlFrames = 10_000;

    // The writer's list of response fields is shrunk back after a head with more fields than this.
    private const int KeptWriterFields = 64;

    // Budget earned back per request served to the end, on every guard (see Http2FloodGuard).
    private const int CreditPerServedStream = 10;

    private static readonly TimeSpan FloodWindow = TimeSpan.FromSeconds(1);

    // How long the end of a session waits for the writer's last frames. Real time, not the
    // server's TimeProvider: it bounds shutdown, it is not protocol timing, and a test's frozen
    // manual clock must never make a session's end wait forever.
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly ServerConnection _connection;
    private readonly MockWebServer _server;
    private readonly Protocol _protocol;
    private readonly CancellationTokenSource _sessionEnd;
    private readonly PipeReader _input;
    private readonly Http2ConnectionCore _core;                             // Settings, PING, connection windows, the frame switch.
    private readonly Http2StreamTable<Http2ServerStream> _streams = new(Http2Role.Server); // Guarded by _lock.
    private readonly Http2ResetStreams _resetStreams;                        // Guarded by _lock: who reset the streams no longer in _streams (the core's).
    private readonly Dictionary<int, Task> _exchanges = [];                 // Guarded by _lock: the exchange tasks still running.
    private readonly Http2FloodGuard _pings;
    private readonly Http2FloodGuard _settingsFrames;
    private readonly Http2FloodGuard _resets;
    private readonly Http2FloodGuard _emptyData;
    private readonly Http2FloodGuard _windowUpdates;
    private readonly Http2FloodGuard _priorities;
    private readonly string _fallbackAuthority;
    private readonly List<HpackHeaderField> _writerFields = new(16);         // Writer loop only: the fields of each staged response head.
    private readonly Http2RequestHeadCache _heads = new();                 // Reader loop only: a repeated request head is not parsed again.
    private int _activeClientStreams;  // Guarded by _lock.
    private int _exchangesStarting;    // Guarded by _lock: exchanges queued to the thread pool, not yet in _exchanges.
    private TaskCompletionSource? _exchangesStarted; // Guarded by _lock: made by EndAsync when it must wait for them.
    private int _maxConcurrentStreams; // Guarded by _lock: the latest value we announced.

    public Http2ServerSession(ServerConnection connection, Protocol protocol)
    {
        _connection = connection;
        _server = connection.Server;
        _protocol = protocol;
        _fallbackAuthority = _server.Authority;
        _sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(connection.ShutdownToken);
        _input = PipeReader.Create(connection.Transport, new StreamPipeReaderOptions(leaveOpen: true));
        _maxConcurrentStreams = _server.Http2MaxConcurrentStreams;
        var time = _server.TimeProvider;
        _pings = new Http2FloodGuard("PING", PingLimit, FloodWindow, time);
        _settingsFrames = new Http2FloodGuard("SETTINGS", SettingsLimit, FloodWindow, time);
        _resets = new Http2FloodGuard("stream reset (RST_STREAM sent or provoked)", ResetLimit, FloodWindow, time);
        _emptyData = new Http2FloodGuard("empty DATA", EmptyDataLimit, FloodWindow, time);
        _windowUpdates = new Http2FloodGuard("WINDOW_UPDATE", WindowUpdateLimit, FloodWindow, time);
        _priorities = new Http2FloodGuard("PRIORITY", PriorityLimit, FloodWindow, time);
        _frames = new Http2FrameQueue(connection.Transport, MaxQueuedControlFrames, OnWriteQueueFull);
        _core = new Http2ConnectionCore(Http2Role.Server, this, _streams, _lock, _frames,
            new HpackDecoder(Http2Constants.DefaultHeaderTableSize, _server.MaxRequestHeadBytes), Http2Constants.DefaultInitialWindowSize);

        // The client answers our DATA with WINDOW_UPDATE (stream and connection) and, in clients
        // like SocketsHttpHandler, with PINGs that estimate bandwidth.
        _core.CreditOnDataSent(_windowUpdates, 2);
        _core.CreditOnDataSent(_pings, 1);
        _core.EmptyDataGuard = _emptyData; // The core counts empty DATA (CVE-2019-9518).
        _resetStreams = _core.ResetStreams; // The core applies section 5.1's late-frame rule; we record the resets we send.
    }

    public ServerConnection Connection => _connection;

    /// <summary>Guards stream request fields; see the type's lock discipline.</summary>
    internal Lock StreamLock => _lock;

    /// <summary>Cancelled when the session ends (or the server shuts down).</summary>
    internal CancellationToken SessionToken => _sessionEnd.Token;

    public async Task RunAsync()
    {
        _connection.State = "HTTP/2";
        var writer = RunWriterAsync();
        Http2ErrorCode? goAway = null;
        string? reason = null;

        // Server shutdown: say GOAWAY where the socket still allows it (best effort, the server
        // aborts sockets right after; RFC 9113 section 6.8).
        using var onShutdown = _connection.ShutdownToken.UnsafeRegister(
            static state => ((Http2ServerSession)state!).QueueGoAway(Http2ErrorCode.NoError, "server shutdown"), this);
        _connection.GracefulShutdown = () => FlushAsync(CancellationToken.None);
        try
        {
            // Section 3.4: the server connection preface is a SETTINGS frame, sent first.
            QueueLocalSettings(new Http2Settings
            {
                MaxConcurrentStreams = _server.Http2MaxConcurrentStreams,
                InitialWindowSize = _server.Http2InitialWindowSize == Http2Constants.DefaultInitialWindowSize ? null : _server.Http2InitialWindowSize,
                MaxFrameSize = _server.Http2MaxFrameSize == Http2Constants.DefaultMaxFrameSize ? null : _server.Http2MaxFrameSize,
                MaxHeaderListSize = _server.MaxRequestHeadBytes,
            }, enableConnectProtocol: _server.Http2EnableConnectProtocol);
            if (await ReadPrefaceAsync().ConfigureAwait(false))
            {
                await ReadLoopAsync().ConfigureAwait(false);
            }
            else
            {
                goAway = Http2ErrorCode.ProtocolError;
                reason = "bad client connection preface";
            }
        }
        catch (Exception e)
        {
            // The one catch ladder (Http2ReadLoopEnd, shared with the client): connection errors and
            // HPACK failures (RFC 9113 section 4.3: COMPRESSION_ERROR) send GOAWAY with their code, a
            // transport that went away closes quietly, anything else is logged loudly and sent as
            // GOAWAY(INTERNAL_ERROR).
            var end = Http2ReadLoopEnd.From(e);
            if (end.IsUnexpected)
            {
                Log($"FAILED with an unexpected error: {e}");
            }
            else if (end.GoAway is null)
            {
                Log($"closed: {e.GetType().Name}: {e.Message}");
            }

            (goAway, reason) = (end.GoAway, e.Message);
        }
        finally
        {
            _connection.GracefulShutdown = null;
            await EndAsync(goAway, reason, writer).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the session: GOAWAY (for an error) and close through the writer, end every stream,
    /// and wait (bounded) for the writer and the exchange tasks.
    /// </summary>
    private async Task EndAsync(Http2ErrorCode? goAway, string? reason, Task writer)
    {
        if (goAway is { } code)
        {
            Log($"connection error {code}: {reason}");

            // Release exchanges still waiting on the dispatcher before the peer can see the
            // GOAWAY: a response a test enqueues after seeing it must go to a live connection,
            // never to a stream of this dying one (a cancelled dispatch takes nothing).
            Http2ServerStream[] dying;
            lock (_lock)
            {
                dying = [.. _streams.Values];
            }

            foreach (var stream in dying)
            {
                stream.Abort();
            }

            // Bounded on real time: the staged close's own timeout, then the close itself.
            await GoAwayAndCloseAsync(code, reason).WaitAsync(Http2StagedClose.Timeout + CloseTimeout, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _sessionEnd.CancelAsync().ConfigureAwait(false);
        var closed = new IOException("The HTTP/2 connection ended.");
        _core.Close(closed);

        // The reader loop has ended, so no exchange is queued any more; those queued but not yet
        // started have no task to wait for until they run (bounded like the exchanges themselves).
        Task? starting = null;
        lock (_lock)
        {
            if (_exchangesStarting > 0)
            {
                starting = (_exchangesStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }

        if (starting is not null)
        {
            await starting.WaitAsync(_server.ShutdownTimeout, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task[] exchanges;
        Http2ServerStream[] open;
        lock (_lock)
        {
            open = [.. _streams.Values];
            exchanges = [.. _exchanges.Values];
        }

        foreach (var stream in open)
        {
            stream.SendWindow.Abort(closed); // Outside _lock: it completes the waiters' tasks.
        }

        _frames.Complete();

        // Bounded on real time (TimeProvider.System), like the server's own shutdown: these waits
        // bound how long user code (a dispatcher deaf to cancellation) can hold a dying
        // connection, so they must expire even when the server runs on a frozen manual clock.
        // An exchange still running after this is left to finish in the background; it can no
        // longer write (the writer is complete and the windows aborted).
        await Task.WhenAll(exchanges).WaitAsync(_server.ShutdownTimeout, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await writer.WaitAsync(CloseTimeout, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _input.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>The staged close's drain (<see cref="Http2StagedClose"/>): reads and discards; false once the client closed.</summary>
    private async ValueTask<bool> DiscardInputAsync(CancellationToken cancellationToken)
    {
        var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
        _input.AdvanceTo(result.Buffer.End);

        // Only the client's close ends the drain (its own timeout bounds it). A cancelled read is not
        // that: the last exchange to end after a GOAWAY cancels the pending read to stop the reader
        // loop (OnExchangeEnded), and when that landed here the drain stopped early, so the socket
        // closed over unread input and the TCP reset could destroy the GOAWAY at the client (seen once
        // in a whole-suite run of the reset-flood test).
        return !result.IsCompleted;
    }

    /// <summary>Returns pooled buffers; call after <see cref="RunAsync"/> completed.</summary>
    public void Dispose()
    {
        _core.Dispose();
        _frames.Dispose();
        _sessionEnd.Dispose();
    }

    /// <summary>Reads and checks the client connection preface (section 3.4).</summary>
    /// <returns>False when the client sent something else (the failure is recorded).</returns>
    private async Task<bool> ReadPrefaceAsync()
    {
        var preface = Http2Constants.ClientPreface.Length;
        var start = new byte[preface];
        while (true)
        {
            var result = await _input.ReadAsync(SessionToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var available = (int)Math.Min(buffer.Length, preface);
            buffer.Slice(0, available).CopyTo(start);
            if (!start.AsSpan(0, available).SequenceEqual(Http2Constants.ClientPreface[..available]))
            {
                var line = RecordedRequestFactory.FirstLine(buffer);
                _input.AdvanceTo(buffer.End);
                var failure = new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    $"The client did not send the HTTP/2 connection preface (RFC 9113 section 3.4); it sent '{line}'.");
                _connection.RecordRejected(RecordedRequestFactory.Malformed(line, _connection.NextSequenceNumber(), _connection.Index, _protocol, _connection.Handshake, failure));
                Log(failure.Message);
                return false;
            }

            if (available == preface)
            {
                _input.AdvanceTo(buffer.GetPosition(preface));
                return true;
            }

            if (result.IsCompleted)
            {
                // Closed before (or inside) the preface: nothing to answer, a quiet end.
                _input.AdvanceTo(buffer.End);
                throw new IOException($"The client closed the connection after {available} bytes of the connection preface.");
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>ShutdownConnection: GOAWAY(NO_ERROR, last stream), then no new streams; the connection ends when the open ones finish.</summary>
    internal ValueTask ShutdownGracefullyAsync()
    {
        QueueGoAway(Http2ErrorCode.NoError, "ShutdownConnection policy");
        return new ValueTask(FlushAsync(CancellationToken.None));
    }

    /// <summary>RST_STREAM on <paramref name="stream"/> (the CloseStream effect, or a stream error found by an exchange).</summary>
    internal ValueTask ResetStreamAsync(Http2ServerStream stream, Http2ErrorCode code)
    {
        QueueReset(stream.Id, code);
        stream.Abort();
        stream.SendWindow.Abort(new ExchangeTerminatedException($"Stream {stream.Id} was reset with {code}."));
        return new ValueTask(FlushAsync(CancellationToken.None));
    }

    /// <summary>The CloseSocket effect: everything queued so far goes out, then the socket closes.</summary>
    internal ValueTask CloseSocketAsync() => new(QueueCloseAsync());

    /// <summary>Forgets a finished exchange; after a GOAWAY the last one to finish ends the session.</summary>
    private void OnExchangeEnded(Http2ServerStream stream)
    {
        bool finish;
        lock (_lock)
        {
            _exchanges.Remove(stream.Id);
            if (_streams.Remove(stream.Id) && !stream.IsPush)
            {
                _activeClientStreams--;
            }

            // Our END_STREAM may still be in the writer's queue (a plain response is not awaited):
            // a stream whose remote side ended is closed once it is written (section 5.1), so a late
            // HEADERS on it is STREAM_CLOSED, not a frame after our reset to ignore. A stream either
            // side reset was remembered as such when the RST_STREAM was sent or received.
            var closing = stream.State.State == Http2StreamState.Closed
                || (stream.EndStreamQueued && stream.State.State is Http2StreamState.HalfClosedRemote or Http2StreamState.ReservedLocal);
            if (!closing)
            {
                _resetStreams.OnResetByUs(stream.Id);
            }

            finish = _core.GoingAway && _streams.Count == 0;
        }

        stream.Lifetime.Dispose();
        _server.Http2StreamForgotten?.Invoke(_connection.Index, stream.Id);
        if (finish)
        {
            // Section 6.8: after GOAWAY and once the streams in flight are done, close the connection.
            _input.CancelPendingRead();
        }
    }

    /// <summary>The server this session serves (its traffic log).</summary>
    internal MockWebServer Server => _server;

    /// <summary>A connection-level line, <c>[conn N h2] text</c>, formatted only when someone listens.</summary>
    private void Log([InterpolatedStringHandlerArgument("")] ref TrafficLogLine line) => _server.LogSession(_connection.Index, "h2", ref line);

    private void Log(string line) => _server.LogSession(_connection.Index, "h2", line);
}
