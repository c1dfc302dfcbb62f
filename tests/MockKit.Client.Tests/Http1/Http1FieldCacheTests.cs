using System.Buffers;
using System.Text;
using MockKit.Client.Tests.Support;
using MockKit.Http1;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Http1;

/// <summary>
/// The connection's field cache: repeated heads reuse their strings, and a changed or non-ASCII
/// byte never comes back as a stale string.
/// </summary>
public sealed class Http1FieldCacheTests
{
    [Fact]
    public void A_repeated_head_reuses_every_string()
    {
        var cache = new Http1FieldCache();
        var first = Parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Wed, 02 Dec 2026 01:00:00 GMT\r\n\r\n", cache);
        var second = Parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Wed, 02 Dec 2026 01:00:00 GMT\r\n\r\n", cache);

        second.Reason.ShouldBeSameAs(first.Reason);
        for (var i = 0; i < first.Headers.Count; i++)
        {
            second.Headers[i].Key.ShouldBeSameAs(first.Headers[i].Key);
            second.Headers[i].Value.ShouldBeSameAs(first.Headers[i].Value);
        }
    }

    [Fact]
    public void Changed_bytes_at_a_cached_position_decode_afresh()
    {
        var cache = new Http1FieldCache();
        Parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Id: one\r\n\r\n", cache);

        var second = Parse("HTTP/1.1 404 Not Found\r\nX-Id: two\r\nContent-Length: 55\r\n\r\n", cache);

        second.Reason.ShouldBe("Not Found");
        second.Headers.ShouldBe([new("X-Id", "two"), new("Content-Length", "55")]);
    }

    [Fact]
    public void A_latin1_value_is_decoded_every_time_and_never_cached()
    {
        var cache = new Http1FieldCache();
        var first = Parse("HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\n\r\n", cache);
        var second = Parse("HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\n\r\n", cache);

        first.Headers[0].Value.ShouldBe("caf\u00e9");
        second.Headers[0].Value.ShouldBe("caf\u00e9");
        second.Headers[0].Value.ShouldNotBeSameAs(first.Headers[0].Value);
    }

    [Fact]
    public async Task Responses_on_one_connection_keep_their_own_header_values()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("a") { Headers = { { "X-Id", "first" } } });
        h.Server.Enqueue(new MockResponse("bb") { Headers = { { "X-Id", "second" } } });

        using var first = await h.Client.GetAsync(h.Url("/"));
        using var second = await h.Client.GetAsync(h.Url("/"));

        second.GetExchange().ConnectionReused.ShouldBeTrue();
        first.Headers.GetValues("X-Id").ShouldBe(["first"]);
        second.Headers.GetValues("X-Id").ShouldBe(["second"]);
        (await second.Content.ReadAsStringAsync()).ShouldBe("bb");
    }

    private static Http1ResponseHead Parse(string head, Http1FieldCache cache)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head));
        Http1HeadParser.TryParseResponseHead(ref buffer, Http1Limits.Default, out var parsed, cache).ShouldBeTrue();
        buffer.Length.ShouldBe(0);
        // The cache reuses its field list for the next head: keep a copy, as the client copies the
        // fields into its response before it parses another head.
        return parsed with { Headers = [.. parsed.Headers] };
    }
}
