using Microsoft.Extensions.Time.Testing;

namespace MockKit.Testing;

/// <summary>
/// <see cref="FakeTimeProvider"/> (time moves only on <c>Advance</c>, timers fire on the
/// advancing thread) plus what FakeTimeProvider keeps to itself: which timers are armed and
/// when they are due. Tests use it as a handshake with the code under test — "wait until the
/// read timeout is armed, then advance past it" — so the advance never races the arming.
/// Thread-safe.
/// </summary>
internal sealed class ObservableTimeProvider : FakeTimeProvider
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();

    // Guarded by _lock: every live timer and its due time (null when disarmed).
    private readonly Dictionary<TrackedTimer, DateTimeOffset?> _due = [];

    // Guarded by _lock: completed (and replaced) whenever a timer is armed, disarmed or fires.
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Timers currently armed (not disposed, with a finite due time).</summary>
    public int PendingTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _due.Values.Count(d => d is not null);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        TrackedTimer? tracked = null;

        // The callback runs on the thread that advances the clock; record the next due time
        // (periodic) or the end of the timer (one-shot) before running it.
        var inner = base.CreateTimer(
            s =>
            {
                tracked!.Fired();
                callback(s);
            },
            state,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        tracked = new TrackedTimer(this, inner);
        tracked.Change(dueTime, period);
        return tracked;
    }

    /// <summary>Waits until at least <paramref name="count"/> timers are armed (bounded: throws after 30 s).</summary>
    public Task WaitForTimerAsync(int count = 1) =>
        WaitUntilAsync(() => _due.Values.Count(d => d is not null) >= count, $"{count} armed timer(s)");

    /// <summary>
    /// Waits until a timer is due exactly <paramref name="dueIn"/> from now: a precise handshake
    /// when several timers may be armed (a read timeout, the pool's cleanup) and only one of them
    /// is the one the test means to fire. Bounded: throws after 30 s.
    /// </summary>
    public Task WaitForTimerDueAsync(TimeSpan dueIn) =>
        WaitUntilAsync(() => _due.ContainsValue(GetUtcNow() + dueIn), $"a timer due in {dueIn}");

    /// <summary>
    /// Waits until a timer is armed (bounded: throws after 30 s), then advances the clock to the
    /// earliest armed due time, firing that timer: the clock moves as far as the code under test
    /// asked it to wait, no further, so a test can check <em>when</em> things happened.
    /// </summary>
    public async Task AdvanceToNextTimerAsync()
    {
        await WaitForTimerAsync();
        DateTimeOffset next;
        lock (_lock)
        {
            next = _due.Values.Where(d => d is not null).Min(d => d!.Value);
        }

        var by = next - GetUtcNow();
        Advance(by > TimeSpan.Zero ? by : TimeSpan.Zero);
    }

    /// <summary>Evaluated under _lock, after every timer change: no polling, no fixed sleeps.</summary>
    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var limit = new CancellationTokenSource(s_waitLimit);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (condition())
                {
                    return;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {s_waitLimit.TotalSeconds} s waiting for {what}; {PendingTimerCount} timer(s) armed.");
            }
        }
    }

    private void Record(TrackedTimer timer, DateTimeOffset? due, bool remove = false)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (remove)
            {
                _due.Remove(timer);
            }
            else
            {
                _due[timer] = due;
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private sealed class TrackedTimer(ObservableTimeProvider owner, ITimer inner) : ITimer
    {
        private readonly Lock _lock = new();
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private DateTimeOffset? _dueAt;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                _period = period;
                _dueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime;
            }

            // Arm the real timer first, then publish: a test that sees the due time and
            // advances at once must find the timer armed. If it fired meanwhile (a zero due
            // time), Fired already moved _dueAt on, and the current value is what is published.
            var changed = inner.Change(dueTime, period);
            DateTimeOffset? due;
            lock (_lock)
            {
                due = _dueAt;
            }

            owner.Record(this, due);
            return changed;
        }

        public void Fired()
        {
            DateTimeOffset? due;
            lock (_lock)
            {
                _dueAt = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? _dueAt + _period : null;
                due = _dueAt;
            }

            owner.Record(this, due);
        }

        public void Dispose()
        {
            owner.Record(this, null, remove: true);
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
