using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// Calls and connections are numbered per pool from 0, as MockWebServer numbers its accepted
/// sockets, so a test's numbers do not depend on what other tests in the process did.
/// </summary>
public sealed class CallNumberingTests
{
    [Fact]
    public async Task Another_handlers_calls_do_not_shift_this_handlers_call_and_connection_ids()
    {
        // What a test class running in parallel does: calls on a handler of its own.
        await using (var other = await ClientHarness.StartAsync(new InstrumentedHandler()))
        {
            other.Server.Enqueue(new MockResponse("elsewhere"));
            other.Server.Enqueue(new MockResponse("elsewhere"));
            (await other.Client.GetStringAsync(other.Server.Url("/"))).ShouldBe("elsewhere");
            (await other.Client.GetStringAsync(other.Server.Url("/"))).ShouldBe("elsewhere");
        }

        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = events });
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtEnd, Body = "first" });
        h.Server.Enqueue(new MockResponse("second"));
        h.Server.Enqueue(new MockResponse("third"));

        using (var first = await h.Client.GetAsync(h.Server.Url("/1")))
        {
            await first.Content.ReadAsStringAsync();
            first.GetExchange().CallId.ShouldBe(0);
            first.GetExchange().ConnectionId.ShouldBe(0);
        }

        using var second = await h.Client.GetAsync(h.Server.Url("/2"));
        await second.Content.ReadAsStringAsync();
        using var third = await h.Client.GetAsync(h.Server.Url("/3"));
        await third.Content.ReadAsStringAsync();

        (second.GetExchange().CallId, second.GetExchange().ConnectionId).ShouldBe((1L, 1L));
        (third.GetExchange().CallId, third.GetExchange().ConnectionId).ShouldBe((2L, 1L));
        events.Events.Where(e => e.Name == "CallStart").Select(e => e.CallId).ShouldBe([0L, 1L, 2L]);
        events.Events.Single(e => e.Name == "ConnectionAcquired" && e.CallId == 2).Detail.ShouldBe("conn 1 reused=True");
        // The client's connection ids are the server's connection indexes.
        new[] { h.Server.TakeRequest(), h.Server.TakeRequest(), h.Server.TakeRequest() }
            .Select(r => (long)r.ConnectionIndex).ShouldBe([0L, 1L, 1L]);
        h.Pool.Connections.Single().Id.ShouldBe(1);
    }

    [Fact]
    public async Task An_http2_connection_keeps_the_number_of_its_socket()
    {
        await using var h = await ClientHarness.StartAsync(
            new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] },
            server => server.Protocols = [Protocol.H2PriorKnowledge]);
        h.Server.Enqueue(new MockResponse("h2"));

        using var response = await h.Client.GetAsync(h.Server.Url("/"));

        (await response.Content.ReadAsStringAsync()).ShouldBe("h2");
        (response.GetExchange().CallId, response.GetExchange().ConnectionId).ShouldBe((0L, 0L));
    }
}
