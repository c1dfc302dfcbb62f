using System.Net;
using System.Net.ServerSentEvents;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary><see cref="ServerSentEventAssertions"/> against a MockWebServer event stream, over HTTP/1.1 and h2c.</summary>
public sealed class ServerSentEventAssertionsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Protocols => ["http/1.1", "h2c"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ShouldHaveEventsAsync_passes_when_every_event_arrives_and_the_stream_ends(string protocol)
    {
        await using var server = NewServer(protocol);
        server.Enqueue(MockResponse.EventStream([new SseItem<string>("one"), new("two", "update") { EventId = "7" }]));
        using var client = NewClient(protocol);

        using var response = await GetAsync(client, server.Url("/events"));

        await response.ShouldHaveEventsAsync("one", "two");
    }

    [Fact]
    public async Task ReadEventsAsync_yields_each_event_with_its_fields()
    {
        await using var server = NewServer("http/1.1");
        server.Enqueue(MockResponse.EventStream(
        [
            new SseItem<string>("hello", "greeting") { EventId = "1", ReconnectionInterval = TimeSpan.FromSeconds(2) },
            new("a\nb"),
        ]));
        using var client = NewClient("http/1.1");
        using var response = await GetAsync(client, server.Url("/"));

        var events = new List<SseItem<string>>();
        await foreach (var item in response.ReadEventsAsync())
        {
            events.Add(item);
        }

        events.Count.ShouldBe(2);
        (events[0].EventType, events[0].Data, events[0].EventId, events[0].ReconnectionInterval)
            .ShouldBe(("greeting", "hello", "1", TimeSpan.FromSeconds(2)));
        (events[1].EventType, events[1].Data).ShouldBe(("message", "a\nb"));
    }

    [Fact]
    public async Task ReadEventsAsync_stops_when_its_token_is_cancelled_while_an_event_is_not_yet_due()
    {
        var time = new ObservableTimeProvider();
        await using var server = new MockWebServer { TimeProvider = time };
        server.Enqueue(MockResponse.EventStream([new SseItem<string>("now"), new("much later")], TimeSpan.FromHours(1)));
        using var client = NewClient("http/1.1");
        using var response = await GetAsync(client, server.Url("/"));
        using var cts = new CancellationTokenSource();

        var seen = new List<string>();
        var reading = Should.ThrowAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in response.ReadEventsAsync(cts.Token))
            {
                seen.Add(item.Data);
            }
        });
        await time.WaitForTimerDueAsync(TimeSpan.FromHours(1)); // The server waits for the second event's due time.
        await cts.CancelAsync();

        await reading.WaitAsync(Deadline);
        seen.ShouldBe(["now"]);
    }

    [Fact]
    public async Task ShouldHaveEventsAsync_fails_showing_both_lists_and_every_event_read()
    {
        await using var server = NewServer("http/1.1");
        server.Enqueue(MockResponse.EventStream([new SseItem<string>("one", "update") { EventId = "1" }, new("three")]));
        using var client = new HttpClient(new InstrumentedHandler()) { Timeout = Deadline };
        using var response = await GetAsync(client, server.Url("/feed"));

        var failure = await Failure.OfAsync(() => response.ShouldHaveEventsAsync("one", "two"));

        failure.Message.ShouldStartWith("response should have events\n    [\"one\", \"two\"]\n    but was\n    [\"one\", \"three\"]\n\nHTTP/1.1 200 OK for GET " + server.Url("/feed"));
        failure.Message.ShouldContain("content-type: text/event-stream");
        failure.Message.ShouldContain("events read (2):\n    #0 event: update, id: \"1\", data: \"one\"\n    #1 event: message, data: \"three\"");
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ShouldHaveEventsAsync_fails_when_the_stream_breaks_off_even_after_the_expected_events(string protocol)
    {
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream([new SseItem<string>("one"), new("two")]);
        stream.DisconnectAfterEvents = 2;
        server.Enqueue(stream);
        using var client = NewClient(protocol);
        using var response = await GetAsync(client, server.Url("/"));

        var failure = await Failure.OfAsync(() => response.ShouldHaveEventsAsync("one", "two"));

        // HTTP/1.1: the body ended inside a chunk; HTTP/2: RST_STREAM, which the runtime reports with its code.
        failure.Message.ShouldContain($"and then the stream broke off: {(protocol == "h2c" ? "HttpProtocolException" : "HttpIOException")}");
        if (protocol == "http/1.1")
        {
            failure.Message.ShouldContain("but was\n    [\"one\", \"two\"]\n    and then the stream broke off");
        }
    }

    [Fact]
    public async Task ShouldHaveEventsAsync_on_a_plain_response_shows_what_came_instead()
    {
        await using var server = NewServer("http/1.1");
        server.Enqueue(new MockResponse(404, "no route") { Headers = { { "Content-Type", "text/plain" } } });
        using var client = NewClient("http/1.1");
        using var response = await GetAsync(client, server.Url("/"));

        var failure = await Failure.OfAsync(() => response.ShouldHaveEventsAsync("x"));

        failure.Message.ShouldContain("but was\n    []");
        failure.Message.ShouldContain("HTTP/1.1 404 Not Found");
        failure.Message.ShouldContain("content-type: text/plain");
    }

    private static MockWebServer NewServer(string protocol) =>
        protocol == "h2c" ? new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] } : new MockWebServer();

    private static HttpClient NewClient(string protocol) => new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = protocol == "h2c" ? HttpVersion.Version20 : HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Deadline,
    };

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, Uri url) =>
        client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, url) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy },
            HttpCompletionOption.ResponseHeadersRead);
}
