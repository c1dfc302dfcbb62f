using System.Collections.Concurrent;

namespace MockKit.Client;

/// <summary>
/// What a test sees of one <c>IHttpClientFactory</c> client name wired with <c>AddMockKit</c>: the
/// <see cref="ConnectionPool"/> and the <see cref="RecordingEventListener"/> that every handler the
/// factory builds for that name shares, so connections, counts and events survive handler rotation.
/// </summary>
/// <remarks>
/// One per client name per service provider (see <c>GetMockKit</c>); thread-safe. The pool's
/// diagnostics (a leaked response, a listener that threw) are kept in <see cref="Diagnostics"/>
/// instead of going to <see cref="System.Diagnostics.Trace"/>.
/// </remarks>
public sealed class ClientInstrumentation
{
    /// <summary>How often the leak check looks at the pool: it raises no change notification a waiter could block on.</summary>
    private static readonly TimeSpan s_releasePollInterval = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentQueue<string> _diagnostics = new();

    internal ClientInstrumentation(string name)
    {
        Name = name;
        Pool = new ConnectionPool { Log = _diagnostics.Enqueue };
        Events = new RecordingEventListener();
    }

    /// <summary>The client name (a typed client's is its type's name, as <c>IHttpClientFactory</c> names it).</summary>
    public string Name { get; }

    /// <summary>The pool every handler of this client name uses.</summary>
    public ConnectionPool Pool { get; }

    /// <summary>Every call event of every handler of this client name, in order.</summary>
    public RecordingEventListener Events { get; }

    /// <summary>The pool's diagnostics so far, oldest first (e.g. "A connection to … was leaked. Did you forget to dispose the response?").</summary>
    public IReadOnlyList<string> Diagnostics => [.. _diagnostics];

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (2 s by default) for every connection of <see cref="Pool"/> to be
    /// released — a response disposed on another thread releases its connection a moment later — and fails
    /// when one is still allocated: a response that was never disposed, as <c>MockKitTest</c> checks its own client.
    /// </summary>
    /// <param name="timeout">How long to wait for releases; positive.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when no connection is allocated.</returns>
    /// <exception cref="InvalidOperationException">A connection is still allocated after <paramref name="timeout"/>; the message shows the pool and its diagnostics.</exception>
    public async Task ShouldHaveNoLeakedConnectionsAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        var start = TimeProvider.System.GetTimestamp();
        while (Pool.Connections.Count(c => c.ActiveStreams > 0) is var allocated && allocated > 0)
        {
            if (TimeProvider.System.GetElapsedTime(start) >= limit)
            {
                var diagnostics = Diagnostics;
                throw new InvalidOperationException(
                    $"Client '{Name}' should have no allocated connections when the test ends (was every response disposed?), " +
                    $"but {allocated} connection(s) are still allocated after {limit.TotalSeconds:0.###} s.\n{Pool}" +
                    (diagnostics.Count == 0 ? string.Empty : "\nDiagnostics:\n  " + string.Join("\n  ", diagnostics)));
            }

            await Task.Delay(s_releasePollInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Client '{Name}': {Pool}";
}
