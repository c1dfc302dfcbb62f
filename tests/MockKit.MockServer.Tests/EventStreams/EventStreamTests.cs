using System.Net;
using System.Net.ServerSentEvents;
using static MockKit.MockServer.Tests.EventStreams.EventStreamPeers;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// <see cref="MockResponse.EventStream"/> read by the runtime's SSE parser through SocketsHttpHandler and
/// InstrumentedHandler, over HTTP/1.1, h2c and h2 over TLS: the head, every field, and a clean end.
/// </summary>
public sealed class EventStreamTests
{
    [Theory]
    [MemberData(nameof(HandlersAndProtocols), MemberType = typeof(EventStreamPeers))]
    public async Task Every_event_arrives_with_every_field_and_the_stream_ends_cleanly(string handler, string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        server.Enqueue(MockResponse.EventStream(Sample()));
        using var client = NewClient(handler, protocol);

        using var response = await GetStreamAsync(client, server.Url("/completions"), cts.Token);
        var read = await ReadAllAsync(response, cts.Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        response.Headers.CacheControl!.NoCache.ShouldBeTrue();
        response.Content.Headers.ContentLength.ShouldBeNull(); // Paced: the length is not known up front.
        if (protocol == "http/1.1")
        {
            response.Headers.TransferEncodingChunked.ShouldBe(true);
        }

        read.Failure.ShouldBeNull();
        read.Events.ShouldMatch(Sample());
        var recorded = await server.TakeRequestAsync(cts.Token);
        recorded.Path.ShouldBe("/completions");
        recorded.Failure.ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task The_same_response_serves_every_reconnect_and_the_connection_is_reused(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream([new SseItem<string>("tick")]);
        server.Dispatcher = Dispatcher.From(_ => stream);
        using var client = NewClient(Sockets, protocol);

        for (var i = 0; i < 3; i++)
        {
            using var response = await GetStreamAsync(client, server.Url("/ticks"), cts.Token);
            (await ReadAllAsync(response, cts.Token)).Events.Select(e => e.Data).ShouldBe(["tick"]);
        }

        for (var i = 0; i < 3; i++)
        {
            var recorded = await server.TakeRequestAsync(cts.Token);
            (recorded.ConnectionIndex, recorded.SequenceNumber).ShouldBe((0, i)); // A clean end keeps the connection.
        }
    }

    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task An_empty_stream_is_a_head_and_a_clean_end(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        server.Enqueue(MockResponse.EventStream([]));
        using var client = NewClient(Instrumented, protocol);

        using var response = await GetStreamAsync(client, server.Url("/"), cts.Token);
        var read = await ReadAllAsync(response, cts.Token);

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        read.Events.ShouldBeEmpty();
        read.Failure.ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task A_head_request_gets_the_head_only(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream(Sample());
        stream.DisconnectAfterEvents = 1; // Nothing to cut: a HEAD answer has no content (RFC 9110 section 9.3.2).
        server.Enqueue(stream);
        server.Enqueue(new MockResponse("after"));
        using var client = NewClient(Sockets, protocol);

        using (var response = await client.SendAsync(Request(client, HttpMethod.Head, server.Url("/")), cts.Token))
        {
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
            (await response.Content.ReadAsByteArrayAsync(cts.Token)).ShouldBeEmpty();
        }

        (await client.GetStringAsync(server.Url("/after"), cts.Token)).ShouldBe("after");
        (await server.TakeRequestAsync(cts.Token)).Failure.ShouldBeNull();
        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(0);
    }

    [Fact]
    public void The_response_describes_itself_as_an_event_stream()
    {
        var response = MockResponse.EventStream(Sample());

        response.Code.ShouldBe(200);
        response.Headers["Content-Type"].ShouldBe("text/event-stream");
        response.Headers["Cache-Control"].ShouldBe("no-cache");
        response.Body.Length.ShouldBe(-1);
        response.ToString().ShouldContain("event stream of 3 events");
    }
}
