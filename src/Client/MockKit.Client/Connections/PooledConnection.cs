namespace MockKit.Client.Connections;

/// <summary>
/// What the pool knows about any connection, whatever its protocol: an HTTP/1 connection has
/// an <see cref="AllocationLimit"/> of 1, a multiplexed (HTTP/2) one a higher limit. The pool
/// allocates exchanges to connections, the connection counts them, and the pool closes a
/// connection that is marked <see cref="NoNewExchanges"/> once its last exchange ends.
/// </summary>
/// <remarks>
/// Lock order: <c>ConnectionPool._lock</c> → <c>PooledConnection._lock</c>, never the reverse;
/// stated here once. The allocation state below is guarded by this connection's <c>_lock</c>
/// and changed only through the pool, which holds its own lock at the same time so that its
/// counts and the connections' states agree. No I/O happens under either lock.
/// </remarks>
internal abstract class PooledConnection
{
    private readonly Lock _lock = new();
    private int _activeExchanges; // Guarded by _lock.
    private int _completedExchanges; // Guarded by _lock.
    private int _nextSequenceNumber; // Guarded by _lock.
    private bool _noNewExchanges; // Guarded by _lock.
    private bool _everAllocated; // Guarded by _lock.
    private DateTimeOffset? _idleSince; // Guarded by _lock.

    // Spare exchange timeouts (RentExchangeTimeout). Their own lock, taken with no other held: the
    // exchange rents and returns outside the pool's and this connection's allocation lock.
    private const int MaxSpareTimeouts = 128; // Above any SETTINGS_MAX_CONCURRENT_STREAMS seen in practice (100).
    private readonly Lock _timeoutsLock = new();
    private Stack<ExchangeTimeout>? _spareTimeouts; // Guarded by _timeoutsLock.

    protected PooledConnection(long id, Address address, Route route, TlsHandshake? handshake, int firstSequenceNumber, long createdTimestamp)
    {
        Id = id;
        Address = address;
        Route = route;
        Handshake = handshake;
        _nextSequenceNumber = firstSequenceNumber;
        CreatedTimestamp = createdTimestamp;
    }

    /// <summary>The connection's number in its pool, from 0 (<see cref="ConnectionPool.NextConnectionId"/>).</summary>
    public long Id { get; }

    public Address Address { get; }

    public Route Route { get; }

    public TlsHandshake? Handshake { get; }

    public abstract Protocol Protocol { get; }

    /// <summary>How many exchanges may run at once: 1 for HTTP/1.1.</summary>
    public abstract int AllocationLimit { get; }

    /// <summary>True for connections that carry several exchanges at once (HTTP/2), whatever their current limit.</summary>
    public virtual bool IsMultiplexed => AllocationLimit > 1;

    /// <summary>
    /// The exchange object a previous clean exchange left for reuse (<see cref="Exchange.Begin"/>), if
    /// this protocol keeps one: a connection that carries one exchange at a time can hand the same
    /// object to its next exchange and save an allocation per request. None by default.
    /// </summary>
    internal virtual Exchange? TakeSpareExchange() => null;

    /// <summary>Offers a released, clean exchange object for this connection's next exchange; dropped by default.</summary>
    /// <returns>True when the connection kept it (from then on the object may be in use again).</returns>
    internal virtual bool ReturnSpareExchange(Exchange exchange) => false;

    /// <summary>The cancellation source (timeouts, aborts) for a new exchange: a fresh one unless the protocol keeps one (see <see cref="ReturnTimeoutSource"/>).</summary>
    internal virtual CancellationTokenSource RentTimeoutSource(TimeProvider timeProvider) => new(Timeout.InfiniteTimeSpan, timeProvider);

    /// <summary>Takes back a clean exchange's cancellation source, to keep or dispose; disposed by default.</summary>
    internal virtual void ReturnTimeoutSource(CancellationTokenSource source) => source.Dispose();

    /// <summary>
    /// A read/write timeout for a new exchange: one a previous clean exchange left (with its lock and
    /// timer), or a new one. HTTP/2 begins a new exchange object per stream, so without this each stream
    /// made a timeout, a lock and a timer (about 230 bytes and a timer-queue insert); HTTP/1's reused
    /// exchange object keeps its own and rarely comes here.
    /// </summary>
    internal ExchangeTimeout RentExchangeTimeout()
    {
        lock (_timeoutsLock)
        {
            if (_spareTimeouts is { Count: > 0 } spares)
            {
                return spares.Pop();
            }
        }

        return new ExchangeTimeout();
    }

    /// <summary>Keeps a clean exchange's timeout (disarmed, not expired) for a later exchange, up to <see cref="MaxSpareTimeouts"/>.</summary>
    internal void ReturnExchangeTimeout(ExchangeTimeout timeout)
    {
        lock (_timeoutsLock)
        {
            _spareTimeouts ??= new Stack<ExchangeTimeout>();
            if (_spareTimeouts.Count < MaxSpareTimeouts)
            {
                // Kept even after the connection closed: an idle timeout's timer is not in the runtime's
                // timer queue, so the connection's garbage takes the spares with it.
                _spareTimeouts.Push(timeout);
                return;
            }
        }

        timeout.Dispose();
    }

    /// <summary>This connection's share of its maker's metrics; set once, when the connection joins the pool.</summary>
    public Diagnostics.ConnectionMetrics? Metrics { get; set; }

    /// <summary>When the connection was made, as a <see cref="TimeProvider"/> timestamp (for the duration metric).</summary>
    public long CreatedTimestamp { get; }

    public int ActiveExchanges
    {
        get
        {
            lock (_lock)
            {
                return _activeExchanges;
            }
        }
    }

    public bool NoNewExchanges
    {
        get
        {
            lock (_lock)
            {
                return _noNewExchanges;
            }
        }
    }

    public DateTimeOffset? IdleSince
    {
        get
        {
            lock (_lock)
            {
                return _idleSince;
            }
        }
    }

    /// <summary>
    /// Runs one exchange the pool allocated on this connection: writes the request and returns
    /// the response once its head arrived, with the body still streaming. The body releases the
    /// exchange when it ends or is disposed.
    /// </summary>
    /// <exception cref="ExchangeException">I/O, protocol or timeout failures, with their retryability.</exception>
    public abstract ValueTask<(HttpResponseMessage Response, IResponseBody Body)> SendAsync(HttpRequestMessage request, Exchange exchange);

    /// <summary>Checks the transport before a pooled connection is handed out again.</summary>
    /// <param name="doExtensiveChecks">True for requests that are not safe to repeat (non-GET): look harder.</param>
    public abstract ValueTask<bool> IsHealthyAsync(bool doExtensiveChecks);

    /// <summary>Closes the transport; idempotent, callable from any thread, never under a lock.</summary>
    public abstract void Close();

    public ConnectionSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new ConnectionSnapshot(Id, Route, Protocol, _activeExchanges, _completedExchanges, _noNewExchanges, _idleSince, Handshake);
        }
    }

    /// <summary>Takes a slot for one exchange if one is free. Called by the pool under its lock.</summary>
    /// <param name="reused">True when the connection carried an exchange before.</param>
    /// <param name="sequenceNumber">The new exchange's number on this connection.</param>
    internal bool TryAllocate(out bool reused, out int sequenceNumber)
    {
        lock (_lock)
        {
            reused = _everAllocated;
            sequenceNumber = -1;
            if (_noNewExchanges || _activeExchanges >= AllocationLimit)
            {
                return false;
            }

            _everAllocated = true;
            _activeExchanges++;
            _idleSince = null;
            sequenceNumber = _nextSequenceNumber++;
            return true;
        }
    }

    /// <summary>Ends one exchange. Returns true when the connection must now close (no new exchanges, none left).</summary>
    internal bool EndExchange(DateTimeOffset now, bool completed, bool noNewExchanges)
    {
        lock (_lock)
        {
            if (completed)
            {
                _completedExchanges++;
            }

            _noNewExchanges |= noNewExchanges;
            _activeExchanges--;
            if (_activeExchanges == 0)
            {
                _idleSince = now;
            }

            return _noNewExchanges && _activeExchanges == 0;
        }
    }

    /// <summary>Marks the connection so it is never handed out again. Returns true when it is idle (so should close now).</summary>
    internal bool MarkNoNewExchanges()
    {
        lock (_lock)
        {
            _noNewExchanges = true;
            return _activeExchanges == 0;
        }
    }

    public override string ToString() => $"conn {Id} to {Route}";
}
