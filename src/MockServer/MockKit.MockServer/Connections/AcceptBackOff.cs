using System.Net.Sockets;

namespace MockKit.MockServer.Connections;

/// <summary>
/// The accept loop's pause after a resource-exhaustion failure: 10 ms, doubling per consecutive
/// failure, capped at <see cref="MaxDelay"/>; reset by the next successful accept. Owned by the
/// accept loop alone (not thread-safe).
/// </summary>
internal sealed class AcceptBackOff
{
    /// <summary>The first pause of a burst.</summary>
    public static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest pause between two attempts.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private int _failures;

    /// <summary>
    /// True for accept errors that leave the pending connection queued and make the very next
    /// accept fail the same way: the process or system is out of descriptors or buffer memory.
    /// </summary>
    public static bool IsResourceExhaustion(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    /// <summary>Counts a failure.</summary>
    /// <returns>How long to wait before the next attempt, and whether this failure starts a burst (log it).</returns>
    public (TimeSpan Delay, bool FirstOfBurst) OnFailure()
    {
        var exponent = Math.Min(_failures, 16);
        _failures++;
        var delay = TimeSpan.FromTicks(Math.Min(InitialDelay.Ticks << exponent, MaxDelay.Ticks));
        return (delay, _failures == 1);
    }

    /// <summary>Ends a burst.</summary>
    /// <returns>The number of failures in the burst that just ended, or null when there was none.</returns>
    public int? OnSuccess()
    {
        var failures = _failures;
        _failures = 0;
        return failures == 0 ? null : failures;
    }
}
