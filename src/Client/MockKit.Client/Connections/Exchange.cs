using System.Net.Sockets;

namespace MockKit.Client.Connections;

/// <summary>
/// One request/response on one connection, from allocation to release. It owns the
/// cancellation source that every I/O operation of the exchange observes: the call's token
/// (user cancellation and call timeout) and the per-operation read/write timeouts, all on the
/// <see cref="TimeProvider"/>, end up cancelling it. Cancelling aborts the exchange; an HTTP/1
/// connection whose exchange was aborted is never reused.
/// </summary>
/// <remarks>Used by one exchange at a time; <see cref="Release"/> may race with a finalizer and is idempotent.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The source is disposed by Release, which ends every exchange.")]
internal sealed class Exchange
{
    private CancellationTokenSource _cts;
    private ExchangeTimeout _timeout; // Travels with this object when it is reused (Begin); else rented from the connection.
    private int _timeoutLease; // This use's lease on _timeout (ExchangeTimeout.Lease).
    private CancellationTokenRegistration _callRegistration;
    private IExchangeOwner? _owner;
    private volatile string? _armed;
    private volatile bool _canceledByReader;
    private int _released;

    public Exchange(
        ConnectionPool pool,
        PooledConnection connection,
        ExchangeSettings settings,
        long callId,
        int sequenceNumber,
        bool reused,
        IExchangeOwner? owner,
        CancellationToken callToken)
    {
        Start(pool, connection, settings, callId, sequenceNumber, reused, owner, callToken);
    }

    public ConnectionPool Pool { get; private set; }

    public PooledConnection Connection { get; private set; }

    public ExchangeSettings Settings { get; private set; }

    public long CallId { get; private set; }

    public int SequenceNumber { get; private set; }

    public bool Reused { get; private set; }

    public CancellationToken CallToken { get; private set; }

    /// <summary>
    /// Which use of this object this is: an HTTP/1 connection reuses its last clean exchange object for
    /// the next exchange (<see cref="Begin"/>), and a holder that may outlive its exchange (the response
    /// body) compares the lease it started with before touching the exchange again.
    /// </summary>
    public int Lease { get; private set; }

    /// <summary>
    /// The exchange for a call on <paramref name="connection"/>: the object its previous clean exchange
    /// left, if the connection keeps one (<see cref="PooledConnection.TakeSpareExchange"/>), started
    /// afresh; otherwise a new one. Saves an object per request on a kept-alive connection.
    /// </summary>
    public static Exchange Begin(
        ConnectionPool pool,
        PooledConnection connection,
        ExchangeSettings settings,
        long callId,
        int sequenceNumber,
        bool reused,
        IExchangeOwner? owner,
        CancellationToken callToken)
    {
        if (connection.TakeSpareExchange() is { } spare)
        {
            spare.Start(pool, connection, settings, callId, sequenceNumber, reused, owner, callToken);
            return spare;
        }

        return new Exchange(pool, connection, settings, callId, sequenceNumber, reused, owner, callToken);
    }

    /// <summary>Sets every field for a new use: nothing of a previous exchange may survive (each flag, the
    /// armed timeout, the reader's cancellation, the released state).</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Pool), nameof(Connection), nameof(Settings), nameof(_cts), nameof(_timeout))]
    private void Start(
        ConnectionPool pool,
        PooledConnection connection,
        ExchangeSettings settings,
        long callId,
        int sequenceNumber,
        bool reused,
        IExchangeOwner? owner,
        CancellationToken callToken)
    {
        Pool = pool;
        Connection = connection;
        Settings = settings;
        CallId = callId;
        SequenceNumber = sequenceNumber;
        Reused = reused;
        CallToken = callToken;
        _owner = owner;
        _armed = null;
        _canceledByReader = false;
        ResponseBytesReceived = false;
        RequestStarted = false;
        Lease++;
        _cts = connection.RentTimeoutSource(settings.TimeProvider);
        _timeout ??= connection.RentExchangeTimeout();
        _timeoutLease = _timeout.Lease();
        Volatile.Write(ref _released, 0);
        // Registered last: the callback may run at once (a canceled token) and must see a started exchange.
        _callRegistration = callToken.UnsafeRegister(static s => ((Exchange)s!).Abort(), this);
    }

    /// <summary>Observed by every I/O operation of this exchange.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Set once any byte of the response arrived: from then on a failure is never retried.</summary>
    public bool ResponseBytesReceived { get; set; }

    /// <summary>Set before the first byte of the request is written: from then on the connection's state depends on the exchange's outcome.</summary>
    public bool RequestStarted { get; set; }

    public bool IsReleased => Volatile.Read(ref _released) != 0;

    public EventListener Listener => Settings.Listener;

    /// <summary>Starts the timeout for one operation (<paramref name="what"/> is "read" or "write").</summary>
    public void Arm(TimeSpan timeout, string what)
    {
        if (timeout == Timeout.InfiniteTimeSpan || IsReleased)
        {
            return;
        }

        _armed = what;
        _timeout.Arm(_timeoutLease, timeout, _cts, Settings.TimeProvider);
    }

    /// <summary>
    /// Stops the operation's timeout. Once this returns, either the timeout expired (the token is
    /// canceled, and the failure reads as a timeout) or no timer of that arming will cancel it.
    /// </summary>
    public void Disarm()
    {
        if (_armed is null || IsReleased)
        {
            return;
        }

        if (_timeout.Disarm(_timeoutLease) || _cts.IsCancellationRequested)
        {
            return; // Expired (or aborted): _armed stays for MapFailure's message.
        }

        _armed = null;
    }

    /// <summary>Aborts the exchange: pending I/O ends and the connection will not be reused.</summary>
    public void Abort()
    {
        // After release the source may already serve the connection's next exchange (see Release).
        if (IsReleased)
        {
            return;
        }

        try
        {
            _armed = null; // Not a timeout.
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already released.
        }
    }

    /// <summary>
    /// Stops the call's token (the caller's token and <see cref="InstrumentedHandler.CallTimeout"/>) from
    /// aborting this exchange: used once a connection was upgraded or an extended CONNECT established,
    /// when the new protocol's owner (the WebSocket) decides how long it lives, as with SocketsHttpHandler.
    /// </summary>
    public void DetachFromCallToken() => _callRegistration.Dispose();

    /// <summary>Aborts because the reader of the response body cancelled its read.</summary>
    public void AbortByReader()
    {
        _canceledByReader = true;
        Abort();
    }

    /// <summary>
    /// Gives the connection back: reusable (idle) or marked no-new-exchanges (closed). Idempotent;
    /// the first call wins. Raises the release events after the pool has been updated.
    /// </summary>
    public void Release(bool reusable, bool completed)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        _callRegistration.Dispose();
        _timeout.Disarm(_timeoutLease); // Settles a timer racing the release: expired means aborted, below.
        var aborted = _cts.IsCancellationRequested;
        var connection = Connection;
        var clean = reusable && !aborted;
        if (clean)
        {
            // A clean exchange may leave its timeout source (and its timer) to the connection's next
            // exchange. Safe because every callback that could cancel it was unregistered before this
            // point (the call's registration just above, the body reader's and the discard deadline's
            // before Finish), and Arm/Abort ignore a released exchange.
            connection.ReturnTimeoutSource(_cts);
        }
        else
        {
            _cts.Dispose();
        }
        // An aborted HTTP/1 exchange leaves its socket mid-message; an aborted HTTP/2 exchange only
        // reset its own stream, and the connection marks itself when it is broken.
        Pool.EndExchange(connection, completed, noNewExchanges: !reusable || (aborted && !connection.IsMultiplexed));
        _owner?.OnExchangeReleased(this, completed);
        // Last: from here on the object may start the connection's next exchange (Begin), so nothing
        // above may run after this line. The connection may already carry another exchange (it went
        // idle in EndExchange); that one then simply had no spare.
        if (!clean)
        {
            _timeout.Dispose(); // Its timer may have fired for this exchange: not handed on.
        }
        else if (!connection.ReturnSpareExchange(this))
        {
            // Not kept for the connection's next exchange (kept, the object may already be in use
            // again, so nothing may touch it here): its timeout (settled by the Disarm above) is
            // offered to the connection's next exchange instead. Late Arm/Disarm calls of this
            // exchange hold an old lease and are ignored once another exchange took it.
            connection.ReturnExchangeTimeout(_timeout);
        }
    }

    /// <summary>
    /// The error a failed body read reports, as the runtime's handler does: what the exchange found
    /// (a malformed body is <see cref="HttpRequestError.InvalidResponse"/>, an HTTP/2 protocol error
    /// <see cref="HttpRequestError.HttpProtocolError"/>), otherwise the body ended early.
    /// </summary>
    public static HttpRequestError BodyReadError(Exception mapped) =>
        mapped is HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError } known
            ? known.HttpRequestError
            : HttpRequestError.ResponseEnded;

    /// <summary>Turns what an I/O operation threw into the exception the caller should see.</summary>
    /// <param name="e">The original exception.</param>
    /// <param name="phase">What was going on, e.g. "reading the response headers".</param>
    /// <param name="readerToken">The token of the body read that was running, if any.</param>
    public Exception MapFailure(Exception e, string phase, CancellationToken readerToken = default)
    {
        var route = Connection.Route;
        if (e is ExchangeException or HttpIOException { InnerException: ExchangeException })
        {
            return e;
        }

        if (CallToken.IsCancellationRequested)
        {
            return new TaskCanceledException($"The call to {route.Origin} was canceled while {phase}.", e, CallToken);
        }

        if (_canceledByReader)
        {
            return new OperationCanceledException($"Reading the response from {route.Origin} was canceled.", e, readerToken);
        }

        if (_cts.IsCancellationRequested && _armed is { } what)
        {
            var timeout = what == "write" ? Settings.WriteTimeout : Settings.ReadTimeout;
            return new ExchangeException(
                $"The {what} timed out after {timeout.TotalSeconds:0.###} s on {route} while {phase}.",
                new TimeoutException($"{what} timeout ({timeout})"),
                HttpRequestError.Unknown,
                beforeResponseBytes: false);
        }

        return e switch
        {
            // The end of the stream inside or before the response head, as the connection reports it
            // (ResponseEnded, as the runtime does); retryable while nothing of the response arrived. A
            // protocol's own errors are its connection's to map (a malformed HTTP/1 response:
            // Http1Connection.MapFailure); this passes them through unchanged.
            HttpIOException ended => new ExchangeException(
                $"The connection to {route} failed while {phase}: {e.Message}", e, ended.HttpRequestError, beforeResponseBytes: !ResponseBytesReceived),
            IOException or SocketException or ObjectDisposedException or OperationCanceledException => new ExchangeException(
                $"The connection to {route} failed while {phase}: {e.Message}",
                e,
                ResponseBytesReceived ? HttpRequestError.ResponseEnded : HttpRequestError.ConnectionError,
                beforeResponseBytes: !ResponseBytesReceived),
            _ => e,
        };
    }
}
