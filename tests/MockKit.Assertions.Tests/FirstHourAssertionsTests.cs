using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary>
/// "Path" with and without the query, decoded query parameters, and event subsequences: the
/// assertions a new team reaches for first.
/// </summary>
public sealed class FirstHourAssertionsTests : IAsyncLifetime
{
    private readonly MockWebServer _server = new();
    private readonly RecordingEventListener _events = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = new HttpClient(new InstrumentedHandler { EventListener = _events });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_dispatcher_on_PathWithoutQuery_keeps_matching_when_a_query_is_added()
    {
        _server.Dispatcher = Dispatcher.From(r => r.PathWithoutQuery == "/a" ? new MockResponse("a") : new MockResponse(404));

        (await _client.GetStringAsync(_server.Url("/a?city=S%C3%A3o+Paulo&page=2"))).ShouldBe("a");

        _server.TakeRequest()
            .ShouldHavePath("/a?city=S%C3%A3o+Paulo&page=2")
            .ShouldHavePathWithoutQuery("/a")
            .ShouldHaveQueryParameter("city", "São Paulo")
            .ShouldHaveQueryParameter("page", "2");
    }

    [Fact]
    public async Task A_missing_or_different_query_parameter_fails_naming_what_the_query_has()
    {
        _server.Enqueue(new MockResponse());
        _server.Enqueue(new MockResponse());
        (await _client.GetAsync(_server.Url("/a?page=2&page=3"))).Dispose();
        (await _client.GetAsync(_server.Url("/b"))).Dispose();

        var paged = _server.TakeRequest();
        paged.ShouldHaveQueryParameter("page", "3").PathWithoutQuery.ShouldBe("/a");
        Should.Throw<ShouldAssertException>(() => paged.ShouldHaveQueryParameter("page", "4")).Message
            .ShouldStartWith("request should have query parameter\n    page=4\n    but was\n    page=2, page=3\n");
        Should.Throw<ShouldAssertException>(() => paged.ShouldHaveQueryParameter("size", "1")).Message
            .ShouldStartWith("request should have query parameter\n    size=1\n    but was\n    no parameter size (query: page=2&page=3)\n");
        var plain = _server.TakeRequest();
        plain.PathWithoutQuery.ShouldBe("/b");
        Should.Throw<ShouldAssertException>(() => plain.ShouldHaveQueryParameter("page", "2")).Message
            .ShouldStartWith("request should have query parameter\n    page=2\n    but was\n    no query\n");
        Should.Throw<ShouldAssertException>(() => plain.ShouldHavePathWithoutQuery("/a")).Message
            .ShouldStartWith("request should have path (without query)\n    \"/a\"\n    but was\n    \"/b\"\n");
    }

    [Fact]
    public async Task ShouldHaveEventsInOrder_accepts_a_subsequence_and_names_the_first_missing_event()
    {
        _server.Enqueue(new MockResponse("e"));
        using (var response = await _client.GetAsync(_server.Url("/")))
        {
            await response.Content.ReadAsStringAsync();
        }

        _events.ShouldHaveEventsInOrder("CallStart", "ConnectionAcquired", "CallEnd").ShouldBeSameAs(_events);
        _events.ShouldHaveEventsInOrder();
        Should.Throw<ShouldAssertException>(() => _events.ShouldHaveEvents("CallStart", "ConnectionAcquired", "CallEnd"));
        var message = Should.Throw<ShouldAssertException>(() => _events.ShouldHaveEventsInOrder("CallStart", "CallEnd", "ConnectionAcquired")).Message;
        message.ShouldStartWith("events should contain in order\n    [\"CallStart\", \"CallEnd\", \"ConnectionAcquired\"]\n    but was\n    [\"CallStart\", ");
        message.ShouldEndWith("missing: \"ConnectionAcquired\" was not found after [\"CallStart\", \"CallEnd\"]");
    }
}
