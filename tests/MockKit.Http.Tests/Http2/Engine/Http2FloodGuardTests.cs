using Microsoft.Extensions.Time.Testing;

namespace MockKit.Http2.Engine.Tests;

/// <summary>The flood guard's budget rule: a window of time or served work restores it.</summary>
public sealed class Http2FloodGuardTests
{
    [Fact]
    public void The_frame_past_the_limit_is_enhance_your_calm()
    {
        var guard = new Http2FloodGuard("PING", 3, TimeSpan.FromSeconds(1), new FakeTimeProvider());
        guard.Count();
        guard.Count();
        guard.Count();

        var e = Should.Throw<Http2ConnectionException>(guard.Count);
        e.ErrorCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        e.Message.ShouldContain("More than 3 PING frames");
    }

    [Fact]
    public void A_new_window_of_time_restores_the_budget()
    {
        var time = new FakeTimeProvider();
        var guard = new Http2FloodGuard("PING", 3, TimeSpan.FromSeconds(1), time);
        for (var second = 0; second < 10; second++)
        {
            guard.Count();
            guard.Count();
            guard.Count();
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public void On_a_frozen_clock_credit_for_served_work_restores_the_budget_and_never_goes_below_empty()
    {
        var guard = new Http2FloodGuard("PING", 3, TimeSpan.FromSeconds(1), new FakeTimeProvider());
        guard.Credit(100); // Credit before anything was spent is not banked.
        for (var exchange = 0; exchange < 100; exchange++)
        {
            guard.Count();
            guard.Count();
            guard.Credit(2);
        }

        guard.Count();
        guard.Count();
        guard.Count();
        Should.Throw<Http2ConnectionException>(guard.Count);
    }

    [Fact]
    public void Without_a_window_only_work_restores_the_budget_however_much_time_passes()
    {
        // The client's guard: its peer owes it no polling, so time earns nothing back.
        var time = new FakeTimeProvider();
        var guard = new Http2FloodGuard("control", 3, window: null, time);
        guard.Count();
        guard.Count();
        guard.Count();
        time.Advance(TimeSpan.FromHours(1));
        Should.Throw<Http2ConnectionException>(guard.Count).ErrorCode.ShouldBe(Http2ErrorCode.EnhanceYourCalm);

        var earned = new Http2FloodGuard("control", 3, window: null, time);
        for (var i = 0; i < 100; i++)
        {
            earned.Count();
            earned.Credit(1);
        }
    }
}
