namespace MockKit.Testing;

/// <summary>
/// A virtual clock for tests: time moves only when <see cref="Advance"/> is called, and timers
/// whose due time has passed fire then (on the calling thread). Thread-safe.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Timers currently scheduled (not disposed, with a finite due time).</summary>
    public int PendingTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that comes due, in order.</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.DueAt is { } due && due <= target).OrderBy(t => t.DueAt).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.DueAt!.Value;
                next.Reschedule();
            }

            next.Fire();
        }
    }

    /// <summary>Waits (really, briefly polling) until some code has scheduled a timer; for handshakes between a test and the code it drives.</summary>
    public async Task WaitForTimerAsync(int count = 1)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (PendingTimerCount < count)
        {
            await Task.Delay(5, cts.Token);
        }
    }

    /// <summary>
    /// Waits (polling, bounded) until a timer is due exactly <paramref name="dueIn"/> from now: a
    /// precise handshake with the code under test when several timers may be pending (a read
    /// timeout, the pool's cleanup) and only one of them is the one the test means to fire.
    /// </summary>
    public async Task WaitForTimerDueAsync(TimeSpan dueIn)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_lock)
            {
                var due = _now + dueIn;
                if (_timers.Exists(t => t.DueAt == due))
                {
                    return;
                }
            }

            await Task.Delay(5, cts.Token);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period;

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
            }

            return true;
        }

        /// <summary>Called under the owner's lock after firing time is reached.</summary>
        public void Reschedule() =>
            DueAt = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? DueAt + _period : null;

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._lock)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
