using System.Net;
using MockKit.Http2;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Http2;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// The session's request head cache: a field section that repeats the previous one exactly gets the
/// previous head back without allocating, and anything else (a changed value, a field more or less, a
/// malformed block, an extended CONNECT) is parsed afresh, so no request is recorded with another's head.
/// </summary>
public sealed class Http2RequestHeadCacheTests
{
    [Fact]
    public void A_repeated_field_section_returns_the_previous_head_without_allocating()
    {
        var cache = new Http2RequestHeadCache();
        var fields = Get("/a", ("user-agent", "test"));
        var first = cache.Parse(1, fields, out _, connectProtocolEnabled: false);
        cache.Parse(3, Get("/a", ("user-agent", "test")), out _, connectProtocolEnabled: false); // Warm (JIT) the repeat path.

        var before = GC.GetAllocatedBytesForCurrentThread();
        var second = cache.Parse(5, fields, out var partial, connectProtocolEnabled: false);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        second.ShouldBeSameAs(first);
        partial.ShouldBeSameAs(first);
        allocated.ShouldBe(0);
    }

    [Fact]
    public void Equal_strings_decoded_afresh_count_as_a_repeat()
    {
        // A literal field (not from the dynamic table) is a new string each time: compared by value.
        var cache = new Http2RequestHeadCache();
        var first = cache.Parse(1, Get("/a", ("x-id", "one")), out _, connectProtocolEnabled: false);

        var second = cache.Parse(3, Get(new string("/a".AsSpan()), ("x-id", new string("one".AsSpan()))), out _, connectProtocolEnabled: false);

        second.ShouldBeSameAs(first);
    }

    [Fact]
    public void A_changed_value_or_field_count_is_parsed_afresh()
    {
        var cache = new Http2RequestHeadCache();
        var first = cache.Parse(1, Get("/a", ("x-id", "one")), out _, connectProtocolEnabled: false);

        var changed = cache.Parse(3, Get("/a", ("x-id", "two")), out _, connectProtocolEnabled: false);
        var shorter = cache.Parse(5, Get("/a"), out _, connectProtocolEnabled: false);
        var otherPath = cache.Parse(7, Get("/b"), out _, connectProtocolEnabled: false);

        changed.ShouldNotBeSameAs(first);
        changed.Fields.ShouldBe([new("x-id", "two")]);
        shorter.Fields.ShouldBeEmpty();
        otherPath.Path.ShouldBe("/b");
        first.Fields.ShouldBe([new("x-id", "one")], "the earlier head is never changed");
        first.Path.ShouldBe("/a");
    }

    [Fact]
    public void A_malformed_section_throws_every_time_it_repeats()
    {
        var cache = new Http2RequestHeadCache();
        List<HpackHeaderField> malformed = [new(":method", "GET"), new(":path", "/a")]; // No :scheme (RFC 9113 section 8.3.1).

        Should.Throw<Http2StreamException>(() => cache.Parse(1, malformed, out _, connectProtocolEnabled: false));
        Should.Throw<Http2StreamException>(() => cache.Parse(3, malformed, out _, connectProtocolEnabled: false));
    }

    [Fact]
    public void An_extended_connect_is_never_reused()
    {
        var cache = new Http2RequestHeadCache();
        List<HpackHeaderField> connect =
        [
            new(":method", "CONNECT"), new(":protocol", "websocket"), new(":scheme", "http"), new(":path", "/chat"), new(":authority", "x"),
        ];
        var first = cache.Parse(1, connect, out _, connectProtocolEnabled: true);

        // Its validity depends on the server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 section 3), not on the fields alone.
        cache.Parse(3, connect, out _, connectProtocolEnabled: true).ShouldNotBeSameAs(first);
        Should.Throw<Http2StreamException>(() => cache.Parse(5, connect, out _, connectProtocolEnabled: false));
    }

    [Fact]
    public async Task Requests_on_one_connection_are_recorded_with_their_own_heads()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Dispatcher = Dispatcher.From(r => new MockResponse($"{r.Method} {r.Target} {r.Headers["X-Id"]}"));
        using var client = HttpClientHttp2Tests.Client(tls: false);

        string[] replies =
        [
            await SendAsync(client, HttpMethod.Get, server.Url("/a"), "one"),
            await SendAsync(client, HttpMethod.Get, server.Url("/a"), "one"),
            await SendAsync(client, HttpMethod.Get, server.Url("/a"), "two"),
            await SendAsync(client, HttpMethod.Post, server.Url("/b"), null, "body"),
            await SendAsync(client, HttpMethod.Get, server.Url("/a"), null),
        ];

        replies.ShouldBe(["GET /a one", "GET /a one", "GET /a two", "POST /b ", "GET /a "]);
        var recorded = Enumerable.Range(0, 5).Select(_ => server.TakeRequest()).ToList();
        recorded.Select(r => r.RequestLine).ShouldBe(["GET /a HTTP/2", "GET /a HTTP/2", "GET /a HTTP/2", "POST /b HTTP/2", "GET /a HTTP/2"]);
        recorded.Select(r => r.Headers["X-Id"]).ShouldBe(["one", "one", "two", null, null]);
        recorded.Select(r => r.BodyText).ShouldBe(["", "", "", "body", ""]);
        recorded.Select(r => r.ConnectionIndex).Distinct().ShouldHaveSingleItem();
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, Uri url, string? id, string? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        if (id is not null)
        {
            request.Headers.Add("X-Id", id);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static List<HpackHeaderField> Get(string path, params (string Name, string Value)[] regular)
    {
        List<HpackHeaderField> fields = [new(":method", "GET"), new(":scheme", "http"), new(":path", path), new(":authority", "localhost")];
        foreach (var (name, value) in regular)
        {
            fields.Add(new(name, value));
        }

        return fields;
    }
}
