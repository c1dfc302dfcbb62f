using System.Collections.Concurrent;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// A read-timeout timer whose callback was already dispatched when the read completed and disarmed
/// it must not cancel the exchange afterwards: the call succeeded, and its connection (with the
/// exchange's reusable timeout source) goes on serving.
/// </summary>
public sealed class ReadTimeoutWindowTests
{
    [Fact]
    public async Task A_timer_callback_dispatched_before_disarm_does_not_cancel_a_completed_read()
    {
        var clock = new ObservableTimeProvider();
        var time = new DeferringTimeProvider(clock);
        var headGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bodyGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new InstrumentedHandler
        {
            TimeProvider = time,
            ReadTimeout = TimeSpan.FromSeconds(5),
            WriteTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = Timeout.InfiniteTimeSpan, // Only the read timer and the pool's may be pending below.
            RetryOnConnectionFailure = false,
        };
        await using var h = await ClientHarness.StartAsync(handler, server => server.Dispatcher = new GatedDispatcher(headGate.Task, bodyGate.Task));

        var call = h.Client.GetAsync(h.Url("/first"), HttpCompletionOption.ResponseHeadersRead);
        await clock.WaitForTimerDueAsync(TimeSpan.FromSeconds(5)); // The head read's timeout is armed.
        time.Deferring = true;
        clock.Advance(TimeSpan.FromSeconds(5)); // Its callback is dispatched, but held back...
        time.Deferring = false;
        time.DeferredCount.ShouldBe(1);
        headGate.SetResult(); // ...while the head arrives, the read completes and disarms.
        using var first = await call;

        time.RunDeferred(); // The stale callback runs only now, before the body is read.
        bodyGate.SetResult();

        (await first.Content.ReadAsStringAsync()).ShouldBe("first");
        using var second = await h.Client.GetAsync(h.Url("/second"));
        (await second.Content.ReadAsStringAsync()).ShouldBe("second");
        second.GetExchange().ConnectionReused.ShouldBeTrue();
    }

    /// <summary>The first response's head waits for one gate and its body for another; later ones answer at once.</summary>
    private sealed class GatedDispatcher(Task headGate, Task bodyGate) : Dispatcher
    {
        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            if (request.Path != "/first")
            {
                return new MockResponse("second");
            }

            await headGate.WaitAsync(cancellationToken);
            return new MockResponse
            {
                DuplexHandler = async (_, body, ct) =>
                {
                    await bodyGate.WaitAsync(ct);
                    await body.WriteAsync("first"u8.ToArray(), ct);
                },
            };
        }
    }

    /// <summary>
    /// The clock of <see cref="ObservableTimeProvider"/>, whose timer callbacks can be held back while
    /// <see cref="Deferring"/> is set and run later: a callback "dispatched" but not yet run.
    /// </summary>
    private sealed class DeferringTimeProvider(ObservableTimeProvider clock) : TimeProvider
    {
        private readonly ConcurrentQueue<Action> _deferred = new();
        private volatile bool _deferring;

        public bool Deferring
        {
            get => _deferring;
            set => _deferring = value;
        }

        public int DeferredCount => _deferred.Count;

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override long GetTimestamp() => clock.GetTimestamp();

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            clock.CreateTimer(
                s =>
                {
                    if (Deferring)
                    {
                        _deferred.Enqueue(() => callback(s));
                    }
                    else
                    {
                        callback(s);
                    }
                },
                state,
                dueTime,
                period);

        public void RunDeferred()
        {
            while (_deferred.TryDequeue(out var run))
            {
                run();
            }
        }
    }
}
