using MockKit.Client;

namespace MockKit.Assertions;

/// <summary>
/// Assertions on a <see cref="ConnectionPool"/>. Each returns the pool so they chain; a failure
/// shows the pool's connection snapshots. A connection turns idle only when its response body
/// has been consumed or disposed, so prefer the <c>ShouldEventuallyHave…</c> variants right
/// after a call: they poll until the count matches or the timeout passes.
/// </summary>
public static class ConnectionPoolAssertions
{
    /// <summary>Asserts the number of open connections (in use or idle).</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="count">The expected count.</param>
    /// <returns>The pool.</returns>
    public static ConnectionPool ShouldHaveConnections(this ConnectionPool pool, int count) =>
        Check(pool, "have connections", count, static p => p.ConnectionCount);

    /// <summary>Asserts the number of idle connections.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="count">The expected count.</param>
    /// <returns>The pool.</returns>
    public static ConnectionPool ShouldHaveIdleConnections(this ConnectionPool pool, int count) =>
        Check(pool, "have idle connections", count, static p => p.IdleConnectionCount);

    /// <summary>Asserts the number of multiplexed (HTTP/2) connections.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="count">The expected count.</param>
    /// <returns>The pool.</returns>
    public static ConnectionPool ShouldHaveMultiplexedConnections(this ConnectionPool pool, int count) =>
        Check(pool, "have multiplexed connections", count, static p => p.MultiplexedConnectionCount);

    /// <summary>Waits up to <paramref name="timeout"/> for the number of open connections to become <paramref name="count"/>.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="count">The expected count.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The pool.</returns>
    public static ConnectionPool ShouldEventuallyHaveConnections(this ConnectionPool pool, int count, TimeSpan timeout) =>
        Eventually(pool, "have connections", count, timeout, static p => p.ConnectionCount);

    /// <summary>Waits up to <paramref name="timeout"/> for the number of idle connections to become <paramref name="count"/>.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="count">The expected count.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The pool.</returns>
    public static ConnectionPool ShouldEventuallyHaveIdleConnections(this ConnectionPool pool, int count, TimeSpan timeout) =>
        Eventually(pool, "have idle connections", count, timeout, static p => p.IdleConnectionCount);

    /// <summary>Waits up to <paramref name="timeout"/> for the number of multiplexed connections to become <paramref name="count"/>.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="count">The expected count.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The pool.</returns>
    public static ConnectionPool ShouldEventuallyHaveMultiplexedConnections(this ConnectionPool pool, int count, TimeSpan timeout) =>
        Eventually(pool, "have multiplexed connections", count, timeout, static p => p.MultiplexedConnectionCount);

    /// <summary>The pool's connections as failure context.</summary>
    internal static string Describe(ConnectionPool pool)
    {
        var connections = pool.Connections;
        if (connections.Count == 0)
        {
            return "pool has no connections";
        }

        return "pool connections:" + string.Concat(connections.Select(c =>
            $"\n    conn {c.Id} {c.Protocol} {c.Route.Origin}"
            + (c.ActiveStreams > 0 ? $" active={c.ActiveStreams}" : $" idle since {c.IdleSince:HH:mm:ss.fff}")
            + $" completed={c.CompletedExchanges}"
            + (c.NoNewExchanges ? " no-new-exchanges" : string.Empty)));
    }

    private static ConnectionPool Check(ConnectionPool pool, string assertion, int expected, Func<ConnectionPool, int> count)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var actual = count(pool);
        if (actual != expected)
        {
            throw AssertionFailure.Create("pool", assertion, AssertionFailure.Show(expected), AssertionFailure.Show(actual), Describe(pool));
        }

        return pool;
    }

    private static ConnectionPool Eventually(ConnectionPool pool, string assertion, int expected, TimeSpan timeout, Func<ConnectionPool, int> count)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);

        // SpinUntil spins, yields and then sleeps briefly between checks: a bounded poll,
        // because the pool raises no change notification a waiter could block on.
        if (!SpinWait.SpinUntil(() => count(pool) == expected, timeout))
        {
            var actual = count(pool);
            throw AssertionFailure.Create(
                "pool", $"eventually {assertion} (within {timeout.TotalSeconds:0.###} s)", AssertionFailure.Show(expected), AssertionFailure.Show(actual), Describe(pool));
        }

        return pool;
    }
}
