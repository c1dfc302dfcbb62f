using MockKit.Client.Connections;

namespace MockKit.Client;

// Connections that stopped speaking HTTP: an HTTP/1.1 connection answered with 101 Switching
// Protocols (RFC 9110 section 15.2.2) carries the new protocol (a WebSocket) until the caller
// disposes the upgraded stream. It can never carry another exchange, so it leaves the counts
// (ConnectionCount, IdleConnectionCount, Connections) at once; the pool keeps it aside only so
// that disposing the owning handler (CloseAll) still closes it. EvictAll and the cleanup loop
// look only at pooled connections, so they never cut a live WebSocket.
public sealed partial class ConnectionPool
{
    private readonly HashSet<PooledConnection> _upgraded = []; // Guarded by _lock.

    /// <summary>Upgraded connections still open (not counted in <see cref="ConnectionCount"/>), for tests.</summary>
    internal int UpgradedConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _upgraded.Count;
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="connection"/> (holding the exchange that was upgraded) out of the pool
    /// for good: marked no-new-exchanges, no longer counted, closed when that exchange is released
    /// (<see cref="EndExchange"/>) or the owning handler is disposed (<see cref="CloseAll()"/>).
    /// </summary>
    internal void Detach(PooledConnection connection)
    {
        lock (_lock)
        {
            connection.MarkNoNewExchanges();
            if (_connections.Remove(connection))
            {
                _upgraded.Add(connection);
            }
        }

        connection.Metrics?.StateChanged();
    }
}
