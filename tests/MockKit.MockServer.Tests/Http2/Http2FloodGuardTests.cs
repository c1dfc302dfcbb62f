using Microsoft.Extensions.Time.Testing;
using MockKit.Http2;
using MockKit.MockServer.Http2;

namespace MockKit.MockServer.Tests.Http2;

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
}
