using MockKit.Client.Connections;

namespace MockKit.Client;

// Idle-connection eviction. CleanupOnce is a pure function of the time it is given (OkHttp's
// RealConnectionPool.closeConnections(now)); the loop only waits on the TimeProvider for as
// long as CleanupOnce says. The loop runs while the pool holds connections and ends when it is
// empty; Add restarts it.
public sealed partial class ConnectionPool
{
    private bool _cleanupRunning; // Guarded by _lock.

    /// <summary>
    /// Evicts, as of <paramref name="now"/>, idle connections older than <see cref="KeepAlive"/>
    /// and, beyond <see cref="MaxIdleConnections"/>, the longest-idle ones; also drops any
    /// idle connection marked no-new-exchanges.
    /// </summary>
    /// <param name="now">The time to evaluate against.</param>
    /// <returns>How long until the next eviction could be due; <see cref="Timeout.InfiniteTimeSpan"/>
    /// when the pool is empty (nothing to watch).</returns>
    internal TimeSpan CleanupOnce(DateTimeOffset now)
    {
        var evicted = new List<(PooledConnection Connection, string Reason)>();
        TimeSpan next;
        lock (_lock)
        {
            var idle = new List<(PooledConnection Connection, DateTimeOffset Since)>();
            foreach (var connection in _connections)
            {
                if (connection.ActiveExchanges == 0 && connection.IdleSince is { } since)
                {
                    idle.Add((connection, since));
                }
            }

            idle.Sort((a, b) => a.Since.CompareTo(b.Since));
            var remaining = idle.Count;
            next = _connections.Count == 0 ? Timeout.InfiniteTimeSpan : KeepAlive;
            foreach (var (connection, since) in idle)
            {
                var idleFor = now - since;
                if (idleFor >= KeepAlive || remaining > MaxIdleConnections || connection.NoNewExchanges)
                {
                    connection.MarkNoNewExchanges();
                    _connections.Remove(connection);
                    evicted.Add((connection, idleFor >= KeepAlive ? "keep_alive" : remaining > MaxIdleConnections ? "max_idle" : "no_new_exchanges"));
                    remaining--;
                }
                else
                {
                    // The longest-idle survivor is the next to expire.
                    next = KeepAlive - idleFor;
                    break;
                }
            }

            if (_connections.Count == 0)
            {
                next = Timeout.InfiniteTimeSpan;
            }
        }

        foreach (var (connection, reason) in evicted)
        {
            connection.Metrics?.Evicted(reason);
            connection.Close();
        }

        return next;
    }

    private void EnsureCleanupRunning()
    {
        lock (_lock)
        {
            if (_cleanupRunning)
            {
                return;
            }

            _cleanupRunning = true;
        }

        _ = RunCleanupAsync(); // Fire-and-forget: the loop ends by itself when the pool empties.
    }

    private async Task RunCleanupAsync()
    {
        while (true)
        {
            var delay = CleanupOnce(TimeProvider.GetUtcNow());
            if (delay == Timeout.InfiniteTimeSpan)
            {
                lock (_lock)
                {
                    // Re-check under the lock: an Add racing with this decision either sees
                    // _cleanupRunning still true (and we keep going) or false (and starts a loop).
                    if (_connections.Count == 0)
                    {
                        _cleanupRunning = false;
                        return;
                    }
                }

                delay = KeepAlive;
            }

            try
            {
                await Task.Delay(delay, TimeProvider).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                WriteLog($"Connection pool cleanup stopped: {e}");
                lock (_lock)
                {
                    _cleanupRunning = false;
                }

                return;
            }
        }
    }
}
