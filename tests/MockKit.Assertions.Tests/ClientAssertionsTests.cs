using System.Net;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

public sealed class ClientAssertionsTests : IAsyncLifetime
{
    private readonly MockWebServer _server = new();
    private readonly RecordingEventListener _events = new();
    private InstrumentedHandler _handler = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _handler = new InstrumentedHandler { EventListener = _events };
        _client = new HttpClient(_handler);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Response_assertions_pass_and_chain_including_connection_reuse()
    {
        _server.Enqueue(new MockResponse("first") { Headers = { { "X-A", "1" } } });
        _server.Enqueue(new MockResponse(201, "second"));
        using var first = await _client.GetAsync(_server.Url("/1"));
        await first.ShouldHaveStatus(200).ShouldHaveHeader("X-A", "1").ShouldHaveVersion(HttpVersion.Version11).ShouldHaveBodyAsync("first");
        using var second = await _client.GetAsync(_server.Url("/2"));
        second.ShouldHaveStatus(HttpStatusCode.Created).ShouldHaveReusedConnection().ShouldBeOnSameConnectionAs(first);
    }

    [Fact]
    public async Task Status_mismatch_shows_the_exchange()
    {
        _server.Enqueue(new MockResponse(404, "missing"));
        using var response = await _client.GetAsync(_server.Url("/gone"));
        var exchange = response.GetExchange();

        Should.Throw<ShouldAssertException>(() => response.ShouldHaveStatus(200)).Message.ShouldBe(
            $"response should have status\n    200\n    but was\n    404\n\nHTTP/1.1 404 Not Found for GET {_server.Url("/gone")}\n"
            + $"    exchange: call {exchange.CallId}, conn {exchange.ConnectionId} #0, reused=False, Http11, {exchange.Route}");
    }

    [Fact]
    public async Task A_new_connection_is_not_a_reused_one()
    {
        _server.Enqueue(new MockResponse("x"));
        using var response = await _client.GetAsync(_server.Url("/"));
        Should.Throw<ShouldAssertException>(() => response.ShouldHaveReusedConnection()).Message.ShouldStartWith(
            $"response should have reused its connection\n    a reused connection\n    but was\n    a new connection (conn {response.GetExchange().ConnectionId})\n\n");
        (await Failure.OfAsync(() => response.ShouldHaveBodyAsync("y"))).Message.ShouldStartWith(
            "response should have body\n    \"y\"\n    but was\n    \"x\"\n");
    }

    [Fact]
    public async Task Pool_assertions_show_the_connections()
    {
        _server.Enqueue(new MockResponse("held"));
        using var response = await _client.GetAsync(_server.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        var pool = _handler.Pool.ShouldHaveConnections(1).ShouldHaveIdleConnections(0).ShouldHaveMultiplexedConnections(0);
        var id = pool.Connections[0].Id;

        Should.Throw<ShouldAssertException>(() => pool.ShouldHaveIdleConnections(1)).Message.ShouldBe(
            $"pool should have idle connections\n    1\n    but was\n    0\n\npool connections:\n    conn {id} Http11 http://127.0.0.1:{_server.Port} active=1 completed=0");
        Should.Throw<ShouldAssertException>(() => pool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromMilliseconds(50))).Message.ShouldStartWith(
            "pool should eventually have idle connections (within 0.05 s)\n    1\n    but was\n    0\n");

        await response.Content.ReadAsStringAsync();
        pool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(10));
        _handler.Pool.EvictAll();
        Should.Throw<ShouldAssertException>(() => pool.ShouldHaveConnections(1)).Message.ShouldBe(
            "pool should have connections\n    1\n    but was\n    0\n\npool has no connections");
    }

    [Fact]
    public async Task Event_assertions_pass_on_the_exact_sequence_and_diff_otherwise()
    {
        _server.Enqueue(new MockResponse("e"));
        using (var response = await _client.GetAsync(_server.Url("/")))
        {
            await response.Content.ReadAsStringAsync();
        }

        var names = _events.Events.Select(e => e.Name).ToArray();
        _events.ShouldHaveEvents(names);
        names[0].ShouldBe("CallStart");
        names[^1].ShouldBe("CallEnd");

        var wrong = names.Where(n => n != "ConnectStart").Append("Surprise").ToArray();
        var message = Should.Throw<ShouldAssertException>(() => _events.ShouldHaveEvents(wrong)).Message;
        message.ShouldStartWith("events should be\n    [");
        message.ShouldContain("\n\ndifference:\n      CallStart\n");
        message.ShouldContain("\n    + ConnectStart\n");
        message.ShouldEndWith("\n    - Surprise");
    }

    [Fact]
    public void Diff_marks_missing_and_unexpected_lines() =>
        RecordingEventListenerAssertions.Diff(["A", "B", "C"], ["A", "X", "C", "D"]).ShouldBe(
            "      A\n    + X\n    - B\n      C\n    + D");
}
