using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>RetryDecision and FollowUpDecision: a retry or a redirect leaves an event where the handler decides.</summary>
public sealed class DecisionEventTests
{
    [Fact]
    public async Task A_retry_on_a_stale_pooled_connection_raises_RetryDecision_true_between_the_two_exchanges()
    {
        var decisions = new DecisionListener();
        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = new Both(events, decisions) });
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        h.Server.Enqueue(new MockResponse("retried"));

        (await h.Client.GetStringAsync(h.Server.Url("/1"))).ShouldBe("first");
        events.Clear();
        (await h.Client.GetStringAsync(h.Server.Url("/2"))).ShouldBe("retried");

        var retry = decisions.Retries.ShouldHaveSingleItem();
        retry.CallId.ShouldBe(1);
        retry.Retry.ShouldBeTrue();
        retry.Exception.ShouldBeAssignableTo<Exception>();
        ShouldContainInOrder(events, "CallStart", "ConnectionAcquired", "ConnectionReleased", "RetryDecision", "ConnectStart", "ConnectionAcquired", "CallEnd");
        events.Events.Single(e => e.Name == "RetryDecision").Detail!.ShouldStartWith("retry=True ");
    }

    [Fact]
    public async Task A_failure_that_is_not_retried_raises_RetryDecision_false_before_CallFailed()
    {
        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = events, RetryOnConnectionFailure = false });
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });

        (await h.Client.GetStringAsync(h.Server.Url("/1"))).ShouldBe("first");
        events.Clear();
        await Should.ThrowAsync<HttpRequestException>(() => h.Client.GetAsync(h.Server.Url("/2")));

        ShouldContainInOrder(events, "ConnectionReleased", "RetryDecision", "CallFailed");
        events.Events.Single(e => e.Name == "RetryDecision").Detail!.ShouldStartWith("retry=False ");
    }

    [Fact]
    public async Task A_redirect_raises_FollowUpDecision_with_the_next_request_then_with_null_for_the_final_response()
    {
        var decisions = new DecisionListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = decisions });
        h.Server.Enqueue(new MockResponse(302) { Headers = { { "Location", "/b" } }, Body = "moved" });
        h.Server.Enqueue(new MockResponse("at b"));

        (await h.Client.GetStringAsync(h.Server.Url("/a"))).ShouldBe("at b");

        decisions.FollowUps.Select(f => (f.Status, f.Next)).ShouldBe([(302, h.Server.Url("/b")), (200, (Uri?)null)]);
        decisions.FollowUps.ShouldAllBe(f => f.CallId == 0);
    }

    /// <summary>The names appear in this order, other events allowed between them.</summary>
    private static void ShouldContainInOrder(RecordingEventListener events, params string[] names)
    {
        var actual = events.EventNames;
        var next = 0;
        foreach (var name in actual)
        {
            next += next < names.Length && name == names[next] ? 1 : 0;
        }

        next.ShouldBe(names.Length, $"expected in order: {string.Join(", ", names)}; recorded: {string.Join(", ", actual)}");
    }

    private sealed class DecisionListener : EventListener
    {
        public List<(long CallId, Exception Exception, bool Retry)> Retries { get; } = [];

        public List<(long CallId, int Status, Uri? Next)> FollowUps { get; } = [];

        public override void OnRetryDecision(long callId, Exception exception, bool retry)
        {
            lock (Retries)
            {
                Retries.Add((callId, exception, retry));
            }
        }

        public override void OnFollowUpDecision(long callId, HttpResponseMessage response, HttpRequestMessage? nextRequest)
        {
            lock (FollowUps)
            {
                FollowUps.Add((callId, (int)response.StatusCode, nextRequest?.RequestUri));
            }
        }
    }

    /// <summary>Forwards the two decision events to a second listener, everything to the recorder.</summary>
    private sealed class Both(RecordingEventListener recorder, DecisionListener decisions) : EventListener
    {
        public override void OnCallStart(long callId, HttpRequestMessage request) => recorder.OnCallStart(callId, request);

        public override void OnConnectStart(long callId, Route route) => recorder.OnConnectStart(callId, route);

        public override void OnConnectionAcquired(long callId, long connectionId, Route route, bool reused) => recorder.OnConnectionAcquired(callId, connectionId, route, reused);

        public override void OnConnectionReleased(long callId, long connectionId) => recorder.OnConnectionReleased(callId, connectionId);

        public override void OnRetryDecision(long callId, Exception exception, bool retry)
        {
            recorder.OnRetryDecision(callId, exception, retry);
            decisions.OnRetryDecision(callId, exception, retry);
        }

        public override void OnCallEnd(long callId) => recorder.OnCallEnd(callId);
    }
}
