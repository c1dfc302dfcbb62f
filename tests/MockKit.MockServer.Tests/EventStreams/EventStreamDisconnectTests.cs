using System.Net.ServerSentEvents;
using static MockKit.MockServer.Tests.EventStreams.EventStreamPeers;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// <see cref="MockResponse.DisconnectAfterEvents"/>: the dropped stream. The reader sees the events
/// sent (all of them over HTTP/1.1; over HTTP/2 a client may drop unread data when the reset
/// arrives, so a prefix), then an I/O failure, never a clean end; the request is recorded with the
/// failure; the reconnect's <c>Last-Event-ID</c> is recorded like any header.
/// </summary>
public sealed class EventStreamDisconnectTests
{
    private static SseItem<string>[] Five() =>
        [.. Enumerable.Range(1, 5).Select(i => new SseItem<string>($"token {i}") { EventId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) })];

    [Theory]
    [MemberData(nameof(HandlersAndProtocols), MemberType = typeof(EventStreamPeers))]
    public async Task The_reader_sees_the_events_then_an_io_failure_and_the_request_records_it(string handler, string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream(Five());
        stream.DisconnectAfterEvents = 2;
        server.Enqueue(stream);
        using var client = NewClient(handler, protocol);

        using var response = await GetStreamAsync(client, server.Url("/completions"), cts.Token);
        var read = await ReadAllAsync(response, cts.Token);

        read.Failure.ShouldNotBeNull("the stream ended cleanly, but it was cut");
        read.Failure.ShouldBeAssignableTo<IOException>(read.Failure.ToString());
        var data = read.Events.Select(e => e.Data).ToList();
        if (protocol == "http/1.1")
        {
            data.ShouldBe(["token 1", "token 2"]);
        }
        else
        {
            // RFC 9113 section 6.4 lets the client drop what it had not read; what it did see is a prefix.
            data.ShouldBe(Five().Select(e => e.Data).Take(data.Count));
            data.Count.ShouldBeLessThanOrEqualTo(2);
        }

        var recorded = await server.TakeRequestAsync(cts.Token);
        var failure = recorded.Failure.ShouldBeOfType<SocketPolicyException>();
        failure.Trigger.ShouldBe("DisconnectAfterEvents");
        failure.Effect.ShouldBe(new SocketEffect.CloseStream(Http2ErrorCode.InternalError));
        failure.Message.ShouldContain("after 2 event(s)");
    }

    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task A_count_past_the_last_event_cuts_after_the_last_one_instead_of_a_clean_end(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream(Five());
        stream.DisconnectAfterEvents = 50;
        server.Enqueue(stream);
        using var client = NewClient(Sockets, protocol);

        using var response = await GetStreamAsync(client, server.Url("/"), cts.Token);
        var read = await ReadAllAsync(response, cts.Token);

        read.Failure.ShouldBeAssignableTo<IOException>();
        (await server.TakeRequestAsync(cts.Token)).Failure!.Message.ShouldContain("after 5 event(s)");
    }

    [Fact]
    public async Task Over_http2_the_reset_is_on_the_stream_and_the_connection_serves_the_reconnect()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer("h2c");
        var stream = MockResponse.EventStream(Five());
        stream.DisconnectAfterEvents = 1;
        server.Enqueue(stream);
        server.Enqueue(MockResponse.EventStream(Five().Skip(1)));
        using var client = NewClient(Sockets, "h2c");

        using (var dropped = await GetStreamAsync(client, server.Url("/"), cts.Token))
        {
            // The runtime's view of RST_STREAM: an HttpProtocolException carrying the RFC 9113 code.
            var failure = (await ReadAllAsync(dropped, cts.Token)).Failure.ShouldBeOfType<HttpProtocolException>();
            failure.HttpRequestError.ShouldBe(HttpRequestError.HttpProtocolError);
            failure.ErrorCode.ShouldBe((long)Http2ErrorCode.InternalError);
        }

        using var resumed = await GetStreamAsync(client, server.Url("/"), cts.Token);
        (await ReadAllAsync(resumed, cts.Token)).Events.Count.ShouldBe(4);
        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(0);
        var second = await server.TakeRequestAsync(cts.Token);
        (second.ConnectionIndex, second.SequenceNumber).ShouldBe((0, 1)); // Same connection, next stream.
    }

    [Theory]
    [MemberData(nameof(HandlersAndProtocols), MemberType = typeof(EventStreamPeers))]
    public async Task The_reconnect_records_Last_Event_ID(string handler, string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var first = MockResponse.EventStream(Five());
        first.DisconnectAfterEvents = 3;
        server.Enqueue(first);
        server.Enqueue(MockResponse.EventStream(Five().Skip(3)));
        using var client = NewClient(handler, protocol);

        var lastId = "0";
        using (var dropped = await GetStreamAsync(client, server.Url("/stream"), cts.Token))
        {
            var read = await ReadAllAsync(dropped, cts.Token);
            read.Failure.ShouldNotBeNull();
            lastId = read.Events.LastOrDefault().EventId ?? lastId;
        }

        using var request = Request(client, HttpMethod.Get, server.Url("/stream"));
        request.Headers.Add("Last-Event-ID", lastId);
        using var resumed = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        (await ReadAllAsync(resumed, cts.Token)).Failure.ShouldBeNull();

        (await server.TakeRequestAsync(cts.Token)).Headers["Last-Event-ID"].ShouldBeNull();
        (await server.TakeRequestAsync(cts.Token)).Headers["Last-Event-ID"].ShouldBe(lastId);
        if (protocol == "http/1.1")
        {
            lastId.ShouldBe("3");
        }
    }

    [Fact]
    public void Only_an_event_stream_can_be_cut_after_events_and_never_after_a_negative_count()
    {
        Should.Throw<InvalidOperationException>(() => new MockResponse("plain") { DisconnectAfterEvents = 1 })
            .Message.ShouldContain("MockResponse.EventStream");
        var stream = MockResponse.EventStream(Five());
        Should.Throw<ArgumentOutOfRangeException>(() => stream.DisconnectAfterEvents = -1);
        stream.DisconnectAfterEvents = 0;
        stream.DisconnectAfterEvents = null;
        stream.DisconnectAfterEvents.ShouldBeNull();
    }
}
