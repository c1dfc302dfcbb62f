namespace MockKit.Client.Connections;

/// <summary>
/// The per-operation read/write timeout of an <see cref="Exchange"/>: one <see cref="ITimer"/> on the
/// handler's <see cref="TimeProvider"/>, re-armed for every operation, that cancels the exchange's
/// source when an operation outlives its timeout.
/// </summary>
/// <remarks>
/// Why not <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>: a timer callback already
/// dispatched when the operation disarms (the timer fired while the read completed, or a test's clock
/// moved) still cancels the source after <c>Disarm</c> returned, so an exchange whose read succeeded
/// dies later with a timeout that belongs to nothing. Here the callback decides under <c>_lock</c>
/// whether the arming it fires for is still current, and <see cref="Disarm"/> settles the race
/// either way before it returns: when it returns false no callback of that arming will cancel; when
/// it returns true the source is already canceled. A callback that finds a later arming not yet due
/// (a stale callback, or a timer that fired a tick early) moves the timer to that arming's due time.
/// <para>One object (and its timer) serves many exchanges in turn: the HTTP/1 exchange object that a
/// connection reuses carries it along, and a connection keeps those of clean exchanges for its next
/// ones (<see cref="PooledConnection.RentExchangeTimeout"/>), so an HTTP/2 stream does not make a
/// timeout, its lock and its timer each time. Each user takes a <see cref="Lease"/> first and passes
/// it to <see cref="Arm"/> and <see cref="Disarm"/>: a late call from a previous user (an operation
/// racing its exchange's release) finds a newer lease and does nothing, so it can neither cancel nor
/// disarm the current user's operation.</para>
/// </remarks>
internal sealed class ExchangeTimeout : IDisposable
{
    private readonly Lock _lock = new();
    private ITimer? _timer; // Guarded by _lock; made on first use, on the provider of that use.
    private TimeProvider? _time; // Guarded by _lock.
    private CancellationTokenSource? _target; // Guarded by _lock: what the current arming cancels.
    private long _dueTimestamp; // Guarded by _lock: when the current arming expires, on _time's clock.
    private bool _armed; // Guarded by _lock.
    private bool _fired; // Guarded by _lock: the current arming expired (its cancel is running or done).
    private int _lease; // Guarded by _lock: the current user's lease.

    /// <summary>Starts a new user's lease: whatever the previous user armed is void, and its late calls are ignored.</summary>
    /// <returns>The lease to pass to <see cref="Arm"/> and <see cref="Disarm"/>.</returns>
    public int Lease()
    {
        lock (_lock)
        {
            _armed = false; // A callback already dispatched for the previous user finds nothing armed.
            _fired = false;
            _target = null;
            return ++_lease;
        }
    }

    /// <summary>Starts the timeout for the holder of <paramref name="lease"/>: <paramref name="target"/> is canceled if <see cref="Disarm"/> does not come within <paramref name="timeout"/>.</summary>
    public void Arm(int lease, TimeSpan timeout, CancellationTokenSource target, TimeProvider time)
    {
        lock (_lock)
        {
            if (lease != _lease)
            {
                return; // A previous user's late call: the timeout serves someone else now.
            }

            if (_timer is null || !ReferenceEquals(_time, time))
            {
                _timer?.Dispose();
                _time = time;
                _timer = CreateTimer(time);
            }

            _target = target;
            _dueTimestamp = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
            _armed = true;
            _fired = false;
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the timeout.</summary>
    /// <returns>True when it had already expired: the target is canceled by the time this returns.</returns>
    public bool Disarm(int lease)
    {
        CancellationTokenSource? expired;
        lock (_lock)
        {
            if (lease != _lease)
            {
                return false; // A previous user's late call: nothing of its own is armed any more.
            }

            expired = _fired ? _target : null;
            _armed = false;
            _fired = false;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        // The callback decided to cancel but may not have reached Cancel yet: do it here too
        // (idempotent), so a caller that sees true also sees the token canceled.
        Cancel(expired);
        return expired is not null;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _armed = false;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private ITimer CreateTimer(TimeProvider time)
    {
        // The timer outlives the call that armed it first: it must not capture that call's
        // ExecutionContext (its Activity, its AsyncLocals).
        if (ExecutionContext.IsFlowSuppressed())
        {
            return time.CreateTimer(static s => ((ExchangeTimeout)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return time.CreateTimer(static s => ((ExchangeTimeout)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        CancellationTokenSource? expired;
        lock (_lock)
        {
            if (!_armed || _time is null)
            {
                return; // Disarmed since this callback was dispatched.
            }

            var remaining = _dueTimestamp - _time.GetTimestamp();
            if (remaining > 0)
            {
                // Not this arming's time yet: a callback of an earlier arming, or an early tick.
                // At least a tick: a zero due time could fire at once, on this thread, forever.
                var ticks = Math.Max(1L, (long)Math.Ceiling(remaining * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency));
                _timer?.Change(TimeSpan.FromTicks(ticks), Timeout.InfiniteTimeSpan);
                return;
            }

            _fired = true;
            expired = _target;
        }

        Cancel(expired); // Outside the lock: cancellation runs the token's callbacks.
    }

    private static void Cancel(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The exchange was released meanwhile; nothing is left to time out.
        }
    }
}
