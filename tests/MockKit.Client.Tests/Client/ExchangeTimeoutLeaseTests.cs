using MockKit.Client.Connections;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// One <see cref="ExchangeTimeout"/> serves many exchanges in turn (a connection keeps those of clean
/// exchanges): a late Arm or Disarm from the previous user holds an old lease and must touch neither
/// the current user's arming nor its source.
/// </summary>
public sealed class ExchangeTimeoutLeaseTests
{
    [Fact]
    public void A_previous_users_late_disarm_does_not_stop_the_current_users_timeout()
    {
        var time = new ObservableTimeProvider();
        using var timeout = new ExchangeTimeout();
        using var previous = new CancellationTokenSource();
        using var current = new CancellationTokenSource();
        var old = timeout.Lease();
        timeout.Arm(old, TimeSpan.FromSeconds(5), previous, time);
        timeout.Disarm(old).ShouldBeFalse();

        var lease = timeout.Lease();
        timeout.Arm(lease, TimeSpan.FromSeconds(5), current, time);
        timeout.Disarm(old).ShouldBeFalse(); // Late: ignored, the current arming stays.
        time.Advance(TimeSpan.FromSeconds(5));

        current.IsCancellationRequested.ShouldBeTrue();
        previous.IsCancellationRequested.ShouldBeFalse();
        timeout.Disarm(lease).ShouldBeTrue(); // The current user sees its own expiry.
    }

    [Fact]
    public void A_previous_users_late_arm_cancels_nothing()
    {
        var time = new ObservableTimeProvider();
        using var timeout = new ExchangeTimeout();
        using var previous = new CancellationTokenSource();
        using var current = new CancellationTokenSource();
        var old = timeout.Lease();
        var lease = timeout.Lease();

        timeout.Arm(old, TimeSpan.FromSeconds(1), previous, time); // Late: ignored.
        time.PendingTimerCount.ShouldBe(0);
        timeout.Arm(lease, TimeSpan.FromSeconds(5), current, time);
        time.Advance(TimeSpan.FromSeconds(2));
        previous.IsCancellationRequested.ShouldBeFalse();
        current.IsCancellationRequested.ShouldBeFalse();

        timeout.Disarm(lease).ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(10));
        current.IsCancellationRequested.ShouldBeFalse();
    }

    [Fact]
    public void A_new_lease_voids_an_arming_the_previous_user_left()
    {
        var time = new ObservableTimeProvider();
        using var timeout = new ExchangeTimeout();
        using var previous = new CancellationTokenSource();
        var old = timeout.Lease();
        timeout.Arm(old, TimeSpan.FromSeconds(5), previous, time);

        _ = timeout.Lease(); // Without a Disarm first: the stale arming must not fire for anyone.
        time.Advance(TimeSpan.FromSeconds(6));

        previous.IsCancellationRequested.ShouldBeFalse();
    }
}
