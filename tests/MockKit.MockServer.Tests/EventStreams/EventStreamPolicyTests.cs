using System.Net.ServerSentEvents;
using static MockKit.MockServer.Tests.EventStreams.EventStreamPeers;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// An event stream is a body like any other to the socket policies, triggers and throttles: they
/// act on it through the same decorators.
/// </summary>
public sealed class EventStreamPolicyTests
{
    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task DisconnectDuringResponseBody_by_default_cuts_after_the_first_event(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream(Sample());
        stream.SocketPolicy = SocketPolicy.DisconnectDuringResponseBody();
        server.Enqueue(stream);
        using var client = NewClient(Sockets, protocol);

        using var response = await GetStreamAsync(client, server.Url("/"), cts.Token);
        var read = await ReadAllAsync(response, cts.Token);

        read.Failure.ShouldBeAssignableTo<IOException>();
        read.Events.Count.ShouldBeLessThanOrEqualTo(1);
        if (protocol == "http/1.1")
        {
            read.Events.Select(e => e.Data).ShouldBe(["hello"]);
        }
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("h2")]
    public async Task A_refused_stream_at_response_start_is_retried_and_the_retry_gets_every_event(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream(Sample());
        stream.OnResponseStart = new SocketEffect.CloseStream(Http2ErrorCode.RefusedStream);
        server.Enqueue(stream);
        server.Enqueue(MockResponse.EventStream(Sample()));
        using var client = NewClient(Instrumented, protocol);

        // REFUSED_STREAM promises the request was not processed, so the client retries it on a new
        // stream (RFC 9113 section 8.7) and the retry meets the next response.
        using var response = await GetStreamAsync(client, server.Url("/"), cts.Token);
        (await ReadAllAsync(response, cts.Token)).Events.ShouldMatch(Sample());
        (await server.TakeRequestAsync(cts.Token)).Path.ShouldBe("/");
        (await server.TakeRequestAsync(cts.Token)).Path.ShouldBe("/");
    }

    [Fact]
    public async Task A_throttle_paces_the_bytes_of_each_event_on_the_server_clock()
    {
        using var cts = new CancellationTokenSource(Deadline);
        var time = new ObservableTimeProvider();
        await using var server = NewServer("http/1.1", time);
        // On the wire: "12\r\n" + "data: 0123456789\n\n" (18 bytes) + "\r\n", then "0\r\n\r\n": 29 bytes. The
        // throttle lets 20 through, then waits a second: the event is incomplete until the clock moves.
        var stream = MockResponse.EventStream([new SseItem<string>("0123456789")]);
        stream.Throttle = new Throttle(20, TimeSpan.FromSeconds(1));
        server.Enqueue(stream);
        using var client = NewClient(Sockets, "http/1.1");

        using var response = await GetStreamAsync(client, server.Url("/"), cts.Token);
        var reading = ReadAllAsync(response, cts.Token);
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(1));
        reading.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        var read = await reading.WaitAsync(cts.Token);
        read.Events.Select(e => e.Data).ShouldBe(["0123456789"]);
    }

    [Fact]
    public async Task A_route_answers_with_an_event_stream_and_the_near_miss_stays_a_404()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer("http/1.1");
        var routes = new RouteDispatcher();
        routes.Map("GET", "/v1/stream").Respond(MockResponse.EventStream(Sample()));
        server.Dispatcher = routes;
        using var client = NewClient(Sockets, "http/1.1");

        using var response = await GetStreamAsync(client, server.Url("/v1/stream"), cts.Token);
        (await ReadAllAsync(response, cts.Token)).Events.ShouldMatch(Sample());
        using var miss = await client.GetAsync(server.Url("/v1/streams"), cts.Token);
        ((int)miss.StatusCode).ShouldBe(404);
    }
}
