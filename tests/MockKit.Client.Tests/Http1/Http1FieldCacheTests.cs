using System.Buffers;
using System.Text;
using MockKit.Client.Tests.Support;
using MockKit.Http1;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Http1;

/// <summary>
/// The connection's field cache: repeated heads reuse their strings (and, for a server's request heads,
/// the head itself), and a changed or non-ASCII byte never comes back as a stale string.
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

    [Fact]
    public void A_repeated_request_head_is_the_same_head()
    {
        var cache = new Http1FieldCache();
        var first = ParseRequest("GET /items?page=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n"u8.ToArray(), cache);
        var (method, target, line) = (first.Method, first.Target, first.RequestLine);

        var second = ParseRequest("GET /items?page=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n"u8.ToArray(), cache);

        second.ShouldBeSameAs(first);
        second.Method.ShouldBeSameAs(method);
        second.Target.ShouldBeSameAs(target);
        second.RequestLine.ShouldBeSameAs(line);
        second.Headers.ShouldBe([new("Host", "127.0.0.1:8080"), new("Accept", "*/*")]);
    }

    [Fact]
    public void A_repeated_request_head_parses_without_allocating()
    {
        // What a kept-alive client's next request costs the server's parser: nothing (the server records
        // the raw bytes, and every string it needs while serving repeats the previous request's).
        var cache = new Http1FieldCache();
        var bytes = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: load\r\n\r\n"u8.ToArray();
        ParseRequest(bytes, cache);
        ParseRequest(bytes, cache); // Warm up (JIT, static initialisers).

        var before = GC.GetAllocatedBytesForCurrentThread();
        var buffer = new ReadOnlySequence<byte>(bytes);
        var parsed = Http1HeadParser.TryParseRequestHead(ref buffer, Http1Limits.Default, out _, cache);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        parsed.ShouldBeTrue();
        allocated.ShouldBe(0);
    }

    [Fact]
    public void A_request_head_with_other_bytes_gets_its_own_strings_and_head()
    {
        var cache = new Http1FieldCache();
        var first = ParseRequest("GET /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"u8.ToArray(), cache);
        var firstTarget = first.Target;

        var second = ParseRequest("POST /b HTTP/1.0\r\nHost: x\r\n\r\n"u8.ToArray(), cache);

        second.ShouldNotBeSameAs(first);
        (second.Method, second.Target, second.Version, second.RequestLine).ShouldBe(("POST", "/b", Protocol.Http10, "POST /b HTTP/1.0"));
        second.Headers.ShouldBe([new("Host", "x")]);
        firstTarget.ShouldBe("/a", "a string handed out is never changed");
    }

    private static Http1RequestHead ParseRequest(byte[] head, Http1FieldCache cache)
    {
        var buffer = new ReadOnlySequence<byte>(head);
        Http1HeadParser.TryParseRequestHead(ref buffer, Http1Limits.Default, out var parsed, cache).ShouldBeTrue();
        buffer.Length.ShouldBe(0);
        return parsed;
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
