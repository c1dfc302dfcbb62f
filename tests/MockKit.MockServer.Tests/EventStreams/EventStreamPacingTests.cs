using System.Net.ServerSentEvents;
using static MockKit.MockServer.Tests.EventStreams.EventStreamPeers;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// Pacing on the server's <see cref="TimeProvider"/>: the first event goes at once, each next one
/// <c>interval</c> later; an event is not sent before the clock reaches it. The clock is a fake one
/// the test advances only once it sees the server's timer armed, so nothing here depends on real time.
/// </summary>
public sealed class EventStreamPacingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(HandlersAndProtocols), MemberType = typeof(EventStreamPeers))]
    public async Task Each_event_waits_for_the_clock_to_reach_it(string handler, string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var time = new ObservableTimeProvider();
        await using var server = NewServer(protocol, time);
        server.Enqueue(MockResponse.EventStream([new SseItem<string>("a"), new("b"), new("c")], Interval));
        using var client = NewClient(handler, protocol);

        using var response = await GetStreamAsync(client, server.Url("/paced"), cts.Token);
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        await using var events = SseParser.Create(body).EnumerateAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        // The first event is due at once.
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.Data.ShouldBe("a");

        // The second is due one interval later: not before. The server's wait is armed (the handshake
        // that makes the advance meaningful); one tick short of it, the event has still not been sent.
        var next = events.MoveNextAsync().AsTask();
        await time.WaitForTimerDueAsync(Interval);
        time.Advance(Interval - TimeSpan.FromTicks(1));
        next.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromTicks(1));
        (await next.WaitAsync(cts.Token)).ShouldBeTrue();
        events.Current.Data.ShouldBe("b");

        next = events.MoveNextAsync().AsTask();
        await time.WaitForTimerDueAsync(Interval);
        next.IsCompleted.ShouldBeFalse();
        time.Advance(Interval);
        (await next.WaitAsync(cts.Token)).ShouldBeTrue();
        events.Current.Data.ShouldBe("c");

        // After the last event the body ends at once: no wait for another interval.
        (await events.MoveNextAsync()).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task Due_times_count_from_the_first_event_so_a_late_clock_releases_every_event_due(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var time = new ObservableTimeProvider();
        await using var server = NewServer(protocol, time);
        server.Enqueue(MockResponse.EventStream([new SseItem<string>("a"), new("b"), new("c"), new("d")], Interval));
        using var client = NewClient(Sockets, protocol);

        using var response = await GetStreamAsync(client, server.Url("/paced"), cts.Token);
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        await using var events = SseParser.Create(body).EnumerateAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await events.MoveNextAsync()).ShouldBeTrue();

        // Two and a half intervals at once: "b" and "c" were both due, "d" is due half an interval on.
        await time.WaitForTimerDueAsync(Interval);
        time.Advance(Interval * 2.5);
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.Data.ShouldBe("b");
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.Data.ShouldBe("c");

        var last = events.MoveNextAsync().AsTask();
        await time.WaitForTimerDueAsync(Interval / 2);
        last.IsCompleted.ShouldBeFalse();
        time.Advance(Interval / 2);
        (await last.WaitAsync(cts.Token)).ShouldBeTrue();
        events.Current.Data.ShouldBe("d");
    }

    [Fact]
    public async Task A_headers_delay_holds_the_head_and_then_the_events_are_paced_from_the_first()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var time = new ObservableTimeProvider();
        await using var server = NewServer("http/1.1", time);
        var stream = MockResponse.EventStream([new SseItem<string>("a"), new("b")], Interval);
        stream.HeadersDelay = TimeSpan.FromSeconds(5);
        server.Enqueue(stream);
        using var client = NewClient(Sockets, "http/1.1");

        var sending = GetStreamAsync(client, server.Url("/late"), cts.Token);
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(5));
        sending.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(5));
        using var response = await sending;
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        await using var events = SseParser.Create(body).EnumerateAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await events.MoveNextAsync()).ShouldBeTrue();

        var next = events.MoveNextAsync().AsTask();
        await time.WaitForTimerDueAsync(Interval);
        time.Advance(Interval);
        (await next.WaitAsync(cts.Token)).ShouldBeTrue();
        events.Current.Data.ShouldBe("b");
    }
}
