using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// An HTTP/1.1 connection reuses per-connection objects from one exchange to the next (the parsed
/// field list, the chunked decoder and its trailers). Nothing of exchange N may show up in exchange
/// N+1, and nothing of N+1 may change what exchange N's response already holds.
/// </summary>
public sealed class ConnectionStateReuseTests
{
    [Fact]
    public async Task Each_response_on_a_kept_alive_connection_has_only_its_own_fields_trailers_and_body()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("first body")
        {
            ChunkSize = 3,
            Headers = { { "X-First", "1" }, { "X-Extra-A", "a" }, { "X-Extra-B", "b" } },
            Trailers = { { "X-Trailer", "t1" } },
        });
        h.Server.Enqueue(new MockResponse("second") { Headers = { { "X-Second", "2" } } });
        h.Server.Enqueue(new MockResponse("third, chunked, no trailers") { ChunkSize = 5 });

        using var first = await h.Client.GetAsync(h.Url("/1"));
        using var second = await h.Client.GetAsync(h.Url("/2"));
        using var third = await h.Client.GetAsync(h.Url("/3"));

        second.GetExchange().ConnectionReused.ShouldBeTrue();
        third.GetExchange().ConnectionReused.ShouldBeTrue();
        (await first.Content.ReadAsStringAsync()).ShouldBe("first body");
        (await second.Content.ReadAsStringAsync()).ShouldBe("second");
        (await third.Content.ReadAsStringAsync()).ShouldBe("third, chunked, no trailers");

        first.Headers.GetValues("X-First").ShouldBe(["1"]);
        first.Headers.GetValues("X-Extra-B").ShouldBe(["b"]);
        first.TrailingHeaders.GetValues("X-Trailer").ShouldBe(["t1"]);
        second.Headers.GetValues("X-Second").ShouldBe(["2"]);
        NamesOf(second).ShouldNotContain("x-first");
        NamesOf(second).ShouldNotContain("x-extra-a");
        NamesOf(second).ShouldNotContain("x-extra-b");
        second.TrailingHeaders.ShouldBeEmpty();
        NamesOf(third).ShouldNotContain("x-second");
        NamesOf(third).ShouldNotContain("x-first");
        third.TrailingHeaders.ShouldBeEmpty();
    }

    [Fact]
    public async Task Each_request_on_a_kept_alive_connection_sends_only_its_own_head()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("one"));
        h.Server.Enqueue(new MockResponse("two"));
        using var first = new HttpRequestMessage(HttpMethod.Get, h.Url("/first-with-a-longer-path")) { Headers = { { "X-Only-First", "1" } } };
        using var second = new HttpRequestMessage(HttpMethod.Get, h.Url("/2"));

        (await (await h.Client.SendAsync(first)).Content.ReadAsStringAsync()).ShouldBe("one");
        using var response = await h.Client.SendAsync(second);

        response.GetExchange().ConnectionReused.ShouldBeTrue();
        (await h.Server.TakeRequestAsync()).Headers["X-Only-First"].ShouldBe("1");
        var recorded = await h.Server.TakeRequestAsync();
        recorded.RequestLine.ShouldBe("GET /2 HTTP/1.1");
        recorded.Headers["X-Only-First"].ShouldBeNull();
    }

    private static List<string> NamesOf(HttpResponseMessage response) =>
        [.. response.Headers.Select(h => h.Key.ToLowerInvariant()), .. response.Content.Headers.Select(h => h.Key.ToLowerInvariant())];
}
