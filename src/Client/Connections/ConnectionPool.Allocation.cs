using MockKit.Client.Connections;

namespace MockKit.Client;

// Handing connections out and taking them back. Every method decides under _lock and closes
// sockets after releasing it.
public sealed partial class ConnectionPool
{
    /// <summary>
    /// Allocates an exchange on a pooled connection for <paramref name="address"/>, preferring
    /// <paramref name="preferred"/> (the call's previous connection). The caller health-checks
    /// the result and gives it back with <see cref="EndExchange"/> if it is not usable.
    /// </summary>
    internal PooledConnection? TryAcquire(Address address, PooledConnection? preferred, out bool reused, out int sequenceNumber)
    {
        lock (_lock)
        {
            if (preferred is not null && preferred.Address == address && _connections.Contains(preferred)
                && preferred.TryAllocate(out reused, out sequenceNumber))
            {
                return preferred;
            }

            // Most recently used first would keep fewer connections warm; oldest first (list
            // order) keeps the behaviour simple to predict in tests.
            foreach (var connection in _connections)
            {
                if (connection.Address == address && connection.TryAllocate(out reused, out sequenceNumber))
                {
                    return connection;
                }
            }
        }

        reused = false;
        sequenceNumber = -1;
        return null;
    }

    /// <summary>Adds a new connection that already carries its first exchange.</summary>
    internal void Add(PooledConnection connection)
    {
        lock (_lock)
        {
            _connections.Add(connection);
        }

        EnsureCleanupRunning();
    }

    /// <summary>
    /// Ends one exchange on <paramref name="connection"/>. It becomes idle, or closes when it is
    /// marked no-new-exchanges (now or earlier); more idle connections than allowed evicts at once.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="completed">True when the exchange completed (counted in <see cref="ConnectionSnapshot.CompletedExchanges"/>).</param>
    /// <param name="noNewExchanges">True when the connection must not carry another exchange.</param>
    internal void EndExchange(PooledConnection connection, bool completed, bool noNewExchanges)
    {
        bool close;
        bool tooManyIdle;
        lock (_lock)
        {
            close = connection.EndExchange(TimeProvider.GetUtcNow(), completed, noNewExchanges);
            if (close)
            {
                _connections.Remove(connection);
            }

            tooManyIdle = CountIdle() > MaxIdleConnections;
        }

        if (close)
        {
            connection.Close();
        }

        if (tooManyIdle)
        {
            CleanupOnce(TimeProvider.GetUtcNow());
        }
    }

    /// <summary>Marks a connection so it is never handed out again, closing it now when idle.</summary>
    internal void MarkNoNewExchanges(PooledConnection connection)
    {
        bool close;
        lock (_lock)
        {
            close = connection.MarkNoNewExchanges() && _connections.Remove(connection);
        }

        if (close)
        {
            connection.Close();
        }
    }
}
