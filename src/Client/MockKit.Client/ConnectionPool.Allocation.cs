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
    internal PooledConnection? TryAcquire(Address address, ProtocolPolicy policy, PooledConnection? preferred, out bool reused, out int sequenceNumber)
    {
        lock (_lock)
        {
            if (preferred is not null && preferred.Address == address && policy.Allows(preferred) && _connections.Contains(preferred)
                && preferred.TryAllocate(out reused, out sequenceNumber))
            {
                return preferred;
            }

            // Most recently used first would keep fewer connections warm; oldest first (list
            // order) keeps the behaviour simple to predict in tests.
            foreach (var connection in _connections)
            {
                if (connection.Address == address && policy.Allows(connection) && connection.TryAllocate(out reused, out sequenceNumber))
                {
                    return connection;
                }
            }
        }

        reused = false;
        sequenceNumber = -1;
        return null;
    }

    /// <summary>
    /// Pools a connection a call just made and allocates the call's exchange, unless the connection
    /// is multiplexed and another multiplexed connection to the same address already joined the pool
    /// with room for it: then the exchange goes there and the caller closes its fresh connection
    /// (<paramref name="joined"/> is true). This is the de-duplication of concurrent HTTP/2 connects
    /// made before any of them knew the protocol: the first to finish wins.
    /// </summary>
    internal PooledConnection AddOrJoin(PooledConnection fresh, ProtocolPolicy policy, out bool reused, out int sequenceNumber, out bool joined)
    {
        lock (_lock)
        {
            if (fresh.IsMultiplexed)
            {
                foreach (var connection in _connections)
                {
                    if (connection.IsMultiplexed && connection.Address == fresh.Address && policy.Allows(connection)
                        && connection.TryAllocate(out reused, out sequenceNumber))
                    {
                        joined = true;
                        return connection;
                    }
                }
            }

            fresh.TryAllocate(out reused, out sequenceNumber);
            _connections.Add(fresh);
        }

        joined = false;
        EnsureCleanupRunning();
        return fresh;
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
                _upgraded.Remove(connection);
            }

            tooManyIdle = CountIdle() > MaxIdleConnections;
        }

        if (close)
        {
            connection.Close();
        }
        else
        {
            connection.Metrics?.StateChanged();
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
