using System.Diagnostics;
using MockKit.Client.Connections;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// One connection's share of <c>http.client.open_connections</c> (by <c>http.connection.state</c>
/// idle or active), its <c>http.client.connection.duration</c> and its evictions, recorded on the
/// instruments of the handler that opened it (a shared pool still reports each connection once,
/// to its maker).
/// </summary>
/// <remarks>
/// State changes are decided under <c>_lock</c>, reading the connection's real state inside it
/// (lock order: this lock → the connection's; never the reverse), and recorded after it is
/// released. Each recording is a -1/+1 pair, and pairs commute, so however two racing updates
/// interleave their recordings the sums end at the connection's real state.
/// </remarks>
internal sealed class ConnectionMetrics(ClientMetrics metrics, PooledConnection connection)
{
    private readonly Lock _lock = new();

    // Fixed at birth, as the runtime does: a listener that arrives later must not see a close
    // (-1) whose open (+1) it never saw.
    private readonly bool _countOpen = metrics.OpenConnections.Enabled;
    private bool _open; // Guarded by _lock.
    private bool _closed; // Guarded by _lock.
    private bool _idle; // Guarded by _lock.

    public static TagList Tags(PooledConnection connection)
    {
        var route = connection.Route;

        // A connection to an HTTP proxy that forwards absolute-form requests (no tunnel) carries
        // requests for any origin, so it is tagged as the runtime tags its proxy connections: the
        // proxy's host as server.address and server.port 0 (SocketsHttpHandler, .NET 10, side by side
        // in ProxiedConnectionTagsTests). A tunnel (CONNECT) belongs to its one origin.
        var viaProxy = route.Proxy is not null && !route.RequiresTunnel;
        var tags = new TagList
        {
            { HttpTags.ProtocolVersion, HttpTags.Version(connection.Protocol) },
            { HttpTags.UrlScheme, route.Scheme },
            { HttpTags.ServerAddress, viaProxy ? route.Proxy!.IdnHost : route.Host },
            { HttpTags.ServerPort, viaProxy ? 0 : route.Port },
            { HttpTags.PeerAddress, route.SocketAddress.Address.ToString() },
        };
        return tags;
    }

    /// <summary>The connection joined the pool.</summary>
    public void Established()
    {
        bool idle;
        lock (_lock)
        {
            if (_open || _closed)
            {
                return;
            }

            _open = true;
            _idle = idle = connection.ActiveExchanges == 0;
        }

        if (_countOpen)
        {
            var tags = Tags(connection);
            tags.Add(StateTag(idle));
            metrics.OpenConnections.Add(1, tags);
        }
    }

    /// <summary>An exchange was allocated or ended on the connection: moves it between idle and active.</summary>
    public void StateChanged()
    {
        bool idle;
        lock (_lock)
        {
            idle = connection.ActiveExchanges == 0;
            if (!_countOpen || !_open || _closed || idle == _idle)
            {
                return;
            }

            _idle = idle;
        }

        if (_countOpen)
        {
            var tags = Tags(connection);
            tags.Add(StateTag(!idle));
            metrics.OpenConnections.Add(-1, tags);
            tags[tags.Count - 1] = StateTag(idle);
            metrics.OpenConnections.Add(1, tags);
        }
    }

    /// <summary>The pool closed the idle connection on its own (<paramref name="reason"/>: keep_alive, max_idle, evict_all).</summary>
    public void Evicted(string reason)
    {
        if (metrics.Evictions.Enabled)
        {
            var tags = Tags(connection);
            tags.Add("mockkit.eviction.reason", reason);
            metrics.Evictions.Add(1, tags);
        }
    }

    /// <summary>The transport closed after <paramref name="openFor"/>.</summary>
    public void Closed(TimeSpan openFor)
    {
        bool idle;
        lock (_lock)
        {
            if (!_open || _closed)
            {
                _closed = true;
                return;
            }

            _closed = true;
            idle = _idle;
        }

        var recordDuration = metrics.ConnectionDuration.Enabled;
        if (!recordDuration && !_countOpen)
        {
            return;
        }

        var tags = Tags(connection);
        if (recordDuration)
        {
            metrics.ConnectionDuration.Record(openFor.TotalSeconds, tags);
        }

        if (_countOpen)
        {
            tags.Add(StateTag(idle));
            metrics.OpenConnections.Add(-1, tags);
        }
    }

    private static KeyValuePair<string, object?> StateTag(bool idle) => new(HttpTags.ConnectionState, idle ? "idle" : "active");
}
