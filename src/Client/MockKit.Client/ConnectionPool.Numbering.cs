namespace MockKit.Client;

public sealed partial class ConnectionPool
{
    // Per pool, never process-wide: a test's first call is call 0 on connection 0 whatever else
    // runs in parallel, the way MockWebServer numbers its accepted sockets (ConnectionIndex).
    private long _nextCallId = -1;
    private long _nextConnectionId = -1;

    /// <summary>The next call's id, from 0: the id its <see cref="EventListener"/> callbacks and <see cref="ExchangeInfo.CallId"/> carry.</summary>
    internal long NextCallId() => Interlocked.Increment(ref _nextCallId);

    /// <summary>The next connection's id, from 0: <see cref="ConnectionSnapshot.Id"/> and <see cref="ExchangeInfo.ConnectionId"/>.</summary>
    internal long NextConnectionId() => Interlocked.Increment(ref _nextConnectionId);
}
