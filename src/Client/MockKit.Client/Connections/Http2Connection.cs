using System.Net.Sockets;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

/// <summary>
/// An HTTP/2 connection (RFC 9113) to one route, after ALPN chose <c>h2</c> or for cleartext
/// prior knowledge (section 3.3). It multiplexes exchanges: the pool allocates up to
/// <see cref="AllocationLimit"/> (the server's SETTINGS_MAX_CONCURRENT_STREAMS, followed on every
/// SETTINGS frame) at once.
/// </summary>
/// <remarks>
/// <para><b>Tasks.</b> Runs the connection the server session runs too (<see cref="Http2ConnectionCore"/>,
/// <c>src/Client/MockKit.Http/Http2/Connection</c>): its <b>reader loop</b> parses frames, handles SETTINGS,
/// PING and the connection window, and calls this connection as its client role
/// (<see cref="IHttp2ConnectionListener"/>: <c>Http2Connection.Reader.cs</c>, stream control in
/// <c>Http2Connection.Control.cs</c>), which keeps stream states and stream windows,
/// and hands response heads, data and trailers to the streams; it never runs user code (every
/// task it completes continues asynchronously) and never waits for a write: the frames it wants
/// sent (SETTINGS/PING ACKs, WINDOW_UPDATE, RST_STREAM) are queued. The <b>writer loop</b>
/// (<see cref="Http2FrameQueue"/>, used from <c>Http2Connection.Writer.cs</c>) is the single writer:
/// it owns the HPACK encoder and flushes when its queue is empty; the HEADERS producer assigns
/// stream ids as it runs, so they increase in wire order (section 5.1.1). <b>Exchanges</b> (<c>Http2Connection.Exchange.cs</c>) run on the callers'
/// tasks: queue HEADERS, upload the body under flow control, await the head, stream the body.</para>
/// <para><b>Flow control</b> (section 5.2). Outbound: a DATA frame takes stream credit, then
/// connection credit (<see cref="Http2OutboundWindow"/>). Inbound: we announce
/// <see cref="StreamWindowSize"/> per stream and raise the connection window to
/// <see cref="ConnectionWindowSize"/>; credit is returned with WINDOW_UPDATE as the application
/// <em>consumes</em> body bytes (<see cref="Http2ResponseStream"/>), so a reader that stops reading
/// stops its own stream only; bytes of streams nobody will read are returned at once.</para>
/// <para><b>GOAWAY</b> (section 6.8): no new streams; streams above the last stream id fail with a
/// retryable <see cref="ExchangeException"/> (<see cref="ExchangeException.Unprocessed"/>); the others
/// complete. REFUSED_STREAM (section 8.7) is retried the same way; other resets surface as
/// <see cref="Http2StreamResetException"/>.</para>
/// <para><b>Lock discipline.</b> <c>_lock</c> guards the stream table, stream states and the
/// connection bookkeeping (GOAWAY, closed, pending PING). It is held for bookkeeping only: no I/O,
/// no awaiting, no task completion. Lock order: <c>ConnectionPool._lock</c> →
/// <c>PooledConnection._lock</c> → this <c>_lock</c> → window/buffer locks. The pool is called
/// (<see cref="ConnectionPool.MarkNoNewExchanges"/>) only with no lock of ours held.</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The reader loop disposes the assembler and decoder, the writer loop the frame queue, when they end.")]
internal sealed partial class Http2Connection : PooledConnection
{
    /// <summary>Our SETTINGS_INITIAL_WINDOW_SIZE: how much of one response may be buffered unread.</summary>
    public const int StreamWindowSize = 1024 * 1024;

    /// <summary>
    /// Our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 section 6.5.2): the largest decoded response
    /// header list (or trailer list) we accept, counted as name + value + 32 per field; 64 KiB like
    /// the HTTP/1.1 head limit. A larger one fails its call and resets its stream only.
    /// </summary>
    public const int MaxResponseHeaderListSize = 64 * 1024;

    /// <summary>Our connection receive window (raised from 65535 by a WINDOW_UPDATE at start).</summary>
    public const int ConnectionWindowSize = 16 * 1024 * 1024;

    /// <summary>A connection idle (nothing received) for longer than this is PINGed before reuse.</summary>
    public static readonly TimeSpan HealthCheckIdleThreshold = TimeSpan.FromSeconds(10);

    /// <summary>How long the health-check PING may take before the connection is considered dead.</summary>
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly ConnectionPool _pool;
    private readonly TimeProvider _time;
    private readonly Http2StreamTable<Http2ClientStream> _streams = new(Http2Role.Client); // Guarded by _lock.
    private readonly Http2ConnectionCore _core;
    private string? _goAwayDescription;       // Guarded by _lock: the last GOAWAY received, for the message of the connection's end.
    private Exception? _closedWith;           // Guarded by _lock.
    private volatile int _maxConcurrentStreams = int.MaxValue;
    private long _lastReceivedTimestamp;
    private int _closed;

    public Http2Connection(long id, Address address, Route route, Socket socket, Stream stream, TlsHandshake? handshake, ConnectionPool pool, TimeProvider time)
        : base(id, address, route, handshake, 0, time.GetTimestamp())
    {
        _socket = socket;
        _stream = stream;
        _pool = pool;
        _time = time;
        _lastReceivedTimestamp = time.GetTimestamp();
        _frames = new Http2FrameQueue(stream, MaxQueuedControlFrames, OnControlQueueFull);
        _core = new Http2ConnectionCore(Http2Role.Client, this, _streams, _lock, _frames, new HpackDecoder(maxHeaderListSize: MaxResponseHeaderListSize), ConnectionWindowSize)
        {
            ForgetsClosedStreams = true, // A closed stream leaves the table at once, whichever side closed it.
        };
        _budget = new Http2FloodGuard("PING, SETTINGS, RST_STREAM, WINDOW_UPDATE, PRIORITY, PUSH_PROMISE, unknown or empty DATA", FloodBudget, window: null, time);
        _core.CreditOnDataSent(_budget, 2); // Room for the stream and connection WINDOW_UPDATEs that answer our DATA.
        _core.EmptyDataGuard = _budget; // The core counts empty DATA (CVE-2019-9518) against the one budget.
    }

    /// <summary><see cref="Protocol.Http2"/> over TLS, <see cref="Protocol.H2PriorKnowledge"/> for cleartext (as MockWebServer records it).</summary>
    public override Protocol Protocol => Handshake is null ? Protocol.H2PriorKnowledge : Protocol.Http2;

    /// <summary>The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says otherwise).</summary>
    public override int AllocationLimit => _maxConcurrentStreams;

    /// <summary>Always multiplexed, even while the server allows a single stream.</summary>
    public override bool IsMultiplexed => true;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Sends the preface and our SETTINGS, starts the loops and waits for the server's SETTINGS (section 3.4).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        QueuePreface();
        _ = RunWriterAsync(); // Ends when the connection closes; failures close the connection.
        _ = RunReaderAsync(); // Likewise.
        await _core.PeerSettingsReceived.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<bool> IsHealthyAsync(bool doExtensiveChecks)
    {
        lock (_lock)
        {
            if (_closedWith is not null || _core.PeerGoingAway)
            {
                return false;
            }
        }

        // After a long silence a NAT or the peer may have dropped the connection without a FIN:
        // a PING (section 6.7) with a deadline proves it is alive before a request is risked on it.
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastReceivedTimestamp)) <= HealthCheckIdleThreshold)
        {
            return true;
        }

        return await PingAsync().ConfigureAwait(false);
    }

    public override void Close() => Shutdown(new IOException($"The HTTP/2 connection to {Route} was closed."), sendGoAway: true);

    /// <summary>Sends a PING and waits for its ACK for at most <see cref="PingTimeout"/>.</summary>
    internal async Task<bool> PingAsync()
    {
        try
        {
            return await _core.PingAsync().WaitAsync(PingTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Shutdown(new IOException($"The HTTP/2 connection to {Route} did not answer a PING within {PingTimeout.TotalSeconds:0.###} s."), sendGoAway: false);
            return false;
        }
    }

    /// <summary>
    /// Ends the connection: every open stream fails with <paramref name="failure"/> (retryable
    /// when nothing of its response arrived), the pool stops handing it out, and the socket closes
    /// once the writer has sent what was queued (GOAWAY first when <paramref name="sendGoAway"/>).
    /// </summary>
    private void Shutdown(Exception failure, bool sendGoAway, Http2ErrorCode code = Http2ErrorCode.NoError)
    {
        List<Http2ClientStream> failed;
        lock (_lock)
        {
            if (_closedWith is not null)
            {
                return;
            }

            _closedWith = failure;
            failed = [.. _streams.Values];
            _streams.Clear();
        }

        _core.Close(failure); // A PING in flight answers false, StartAsync fails, DATA waiting for credit fails.
        foreach (var stream in failed)
        {
            stream.Fail(StreamFailure(stream, failure));
        }

        _pool.MarkNoNewExchanges(this);
        if (!sendGoAway)
        {
            DisposeTransport();
            return;
        }

        // Section 6.8: a client's GOAWAY names the last server-initiated stream it processed; with push
        // disabled there is none, so 0 (the core's rule). The staged close runs on the writer loop once
        // it is written; the reader loop has ended by now (a closing GOAWAY is queued from it or after
        // it), so nothing else reads. The writer's end disposes the transport.
        var discard = new byte[4096];
        if (_core.QueueGoAwayAndClose(code, default, () => _socket.Shutdown(SocketShutdown.Send), async ct => await _stream.ReadAsync(discard, ct).ConfigureAwait(false) > 0, out _) is null)
        {
            DisposeTransport();
        }
    }

    private void DisposeTransport()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _frames.Complete();
        _stream.Dispose();
        _socket.Dispose();
        Metrics?.Closed(_time.GetElapsedTime(CreatedTimestamp));
    }

    /// <summary>
    /// What a stream's caller sees when the connection fails: retryable while no response bytes arrived.
    /// The <see cref="HttpRequestError"/> is the one <see cref="SocketsHttpHandler"/> reports for the same
    /// end of a connection before the response headers (measured side by side, Http2RuntimeParityTests).
    /// </summary>
    private ExchangeException StreamFailure(Http2ClientStream stream, Exception failure)
    {
        if (failure is ExchangeException exchange)
        {
            return exchange;
        }

        Http2ErrorCode? goAway;
        lock (_lock)
        {
            goAway = _core.PeerGoAwayCode;
        }

        // A connection error the server's frames caused (HPACK's is COMPRESSION_ERROR, RFC 9113
        // section 4.3) is the runtime's HttpProtocolError, whenever it happens.
        var protocolError = failure is Http2ConnectionException or MockKit.Http2.Hpack.HpackDecodingException;
        // Section 6.8: a GOAWAY named this stream as processed, then the connection ended without its
        // response. The runtime fails the stream with the GOAWAY, as an HttpProtocolException.
        var endedAfterGoAway = !protocolError && !stream.ResponseStarted && goAway is not null;
        var error = failure switch
        {
            _ when protocolError || endedAfterGoAway => HttpRequestError.HttpProtocolError,
            _ when stream.ResponseStarted => HttpRequestError.ResponseEnded,
            // The end of the stream (a FIN) before the response headers: ResponseEnded, as on HTTP/1.1.
            HttpIOException ended => ended.HttpRequestError,
            // The transport failed (a reset): the runtime reports the aborted request as Unknown.
            SocketException or IOException { InnerException: SocketException } => HttpRequestError.Unknown,
            _ => HttpRequestError.ConnectionError,
        };
        var cause = endedAfterGoAway
            ? new HttpProtocolException((long)goAway!.Value, $"The server sent GOAWAY({goAway}) and closed the HTTP/2 connection ({Route}) before the response to stream {stream.Id}.", failure)
            : failure;
        return new ExchangeException($"The HTTP/2 connection to {Route} failed: {failure.Message}", cause, error, beforeResponseBytes: !stream.ResponseStarted);
    }
}
