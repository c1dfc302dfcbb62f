using System.Diagnostics;
using MockKit.Client.Connections;

namespace MockKit.Client;

/// <summary>
/// Holds every open connection an <see cref="InstrumentedHandler"/> made, in use or idle, and
/// hands idle ones out again. Its state is observable so tests can assert on connection
/// behaviour: <see cref="ConnectionCount"/>, <see cref="IdleConnectionCount"/> and a
/// <see cref="Connections"/> snapshot. Idle connections are evicted after
/// <see cref="KeepAlive"/> and, beyond <see cref="MaxIdleConnections"/>, longest-idle first.
/// Thread-safe; may be shared between handlers (<see cref="InstrumentedHandler.Pool"/>).
/// </summary>
/// <remarks>
/// <para>A connection is idle when no exchange holds it: for HTTP/1 from the moment its
/// response body was read to the end or disposed, never when the headers arrive.</para>
/// </remarks>
public sealed partial class ConnectionPool
{
    // Decisions are made under _lock (and the connections' locks, taken inside it: the lock
    // order is written down once, on PooledConnection); closing sockets, logging and events
    // happen after it is released.
    private readonly Lock _lock = new();
    private readonly List<PooledConnection> _connections = []; // Guarded by _lock.

    /// <summary>Creates a pool.</summary>
    /// <param name="maxIdleConnections">Idle connections kept at most (0 or more; default 5); beyond it the longest-idle is closed.</param>
    /// <param name="keepAlive">How long an idle connection is kept (positive; default 5 minutes).</param>
    /// <param name="timeProvider">The clock for idle times and the cleanup timer (system time when null).</param>
    public ConnectionPool(int maxIdleConnections = 5, TimeSpan? keepAlive = null, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdleConnections);
        var alive = keepAlive ?? TimeSpan.FromMinutes(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(alive, TimeSpan.Zero, nameof(keepAlive));
        MaxIdleConnections = maxIdleConnections;
        KeepAlive = alive;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The most idle connections kept (default 5).</summary>
    public int MaxIdleConnections { get; }

    /// <summary>How long an idle connection is kept before it is closed (default 5 minutes).</summary>
    public TimeSpan KeepAlive { get; }

    /// <summary>The pool's clock: idle timestamps and the cleanup timer.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// Receives diagnostics, such as a leaked response ("A connection to {url} was leaked. Did you
    /// forget to dispose the response?"). When null (the default) they go to
    /// <see cref="Trace.TraceWarning(string)"/>. Called from any thread, including the finalizer thread.
    /// </summary>
    public Action<string>? Log { get; init; }

    /// <summary>Every open connection, in use or idle.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Open connections that carry no exchange.</summary>
    public int IdleConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return CountIdle();
            }
        }
    }

    /// <summary>Open connections that multiplex exchanges (HTTP/2).</summary>
    public int MultiplexedConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count(c => c.IsMultiplexed);
            }
        }
    }

    /// <summary>A snapshot of every open connection, oldest first.</summary>
    public IReadOnlyList<ConnectionSnapshot> Connections
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections.Select(c => c.Snapshot())];
            }
        }
    }

    /// <summary>Closes and removes every idle connection at once; connections in use are left alone.</summary>
    public void EvictAll()
    {
        List<PooledConnection> evicted;
        lock (_lock)
        {
            evicted = [.. _connections.Where(c => c.ActiveExchanges == 0)];
            foreach (var connection in evicted)
            {
                connection.MarkNoNewExchanges();
                _connections.Remove(connection);
            }
        }

        foreach (var connection in evicted)
        {
            connection.Metrics?.Evicted("evict_all");
        }

        CloseAll(evicted);
    }

    /// <summary>
    /// Closes every connection, idle or busy (the owning handler was disposed): exchanges in flight
    /// fail with a connection error, and each connection leaves the pool as its last exchange ends.
    /// </summary>
    internal void CloseAll()
    {
        List<PooledConnection> all;
        lock (_lock)
        {
            all = [.. _connections];
            foreach (var connection in all)
            {
                if (connection.MarkNoNewExchanges())
                {
                    _connections.Remove(connection); // Idle: gone now. Busy ones go when their exchanges end.
                }
            }

            all.AddRange(_upgraded); // Out of the pool's counts, but still this pool's sockets (see Detach).
        }

        CloseAll(all);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var connections = Connections;
        return $"ConnectionPool: {connections.Count} connection(s)" + string.Concat(connections.Select(c => $"\n  {c}"));
    }

    /// <summary>The open connections themselves, for tests that need to look at the transport.</summary>
    internal IReadOnlyList<PooledConnection> OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>Called under <c>_lock</c>; a loop rather than LINQ because it runs on every release.</summary>
    private int CountIdle()
    {
        var idle = 0;
        foreach (var connection in _connections)
        {
            if (connection.ActiveExchanges == 0)
            {
                idle++;
            }
        }

        return idle;
    }

    internal void WriteLog(string message)
    {
        if (Log is { } log)
        {
            log(message);
        }
        else
        {
            Trace.TraceWarning(message);
        }
    }

    private static void CloseAll(List<PooledConnection> connections)
    {
        foreach (var connection in connections)
        {
            connection.Close();
        }
    }
}
