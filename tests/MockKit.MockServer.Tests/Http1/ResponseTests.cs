using System.Text;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

public sealed class ResponseTests
{
    [Fact]
    public async Task Status_reason_headers_and_body_go_out_exactly()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(418, "short and stout")
        {
            Reason = "I'm a teapot",
            Headers = { { "X-B", "1" }, { "X-A", "2" }, { "x-b", "3" } },
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadResponseAsync()).ShouldBe(
            "HTTP/1.1 418 I'm a teapot\r\nX-B: 1\r\nX-A: 2\r\nx-b: 3\r\nContent-Length: 15\r\n\r\nshort and stout");
    }

    [Fact]
    public async Task Standard_reason_phrases_are_used_by_default()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(404));
        server.Enqueue(new MockResponse(299));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadResponseAsync()).ShouldStartWith("HTTP/1.1 404 Not Found\r\n");
        (await raw.ReadResponseAsync()).ShouldStartWith("HTTP/1.1 299 Success\r\n");
    }

    [Fact]
    public async Task Byte_bodies_and_a_test_supplied_content_length_are_sent_as_given()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { Body = new byte[] { 0, 1, 2, 255 } });
        server.Enqueue(new MockResponse { Body = "abc", Headers = { { "Content-Length", "3" } } });
        using var client = new HttpClient();

        (await client.GetByteArrayAsync(server.Url("/"))).ShouldBe(new byte[] { 0, 1, 2, 255 });
        var second = await client.GetAsync(server.Url("/"));
        second.Content.Headers.ContentLength.ShouldBe(3);
        (await second.Content.ReadAsStringAsync()).ShouldBe("abc");
    }

    [Fact]
    public async Task Chunked_bodies_use_the_chosen_chunk_size()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("abcdefghij") { ChunkSize = 4 });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadUntilAsync("0\r\n\r\n")).ShouldBe(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n4\r\nefgh\r\n2\r\nij\r\n0\r\n\r\n");
    }

    [Fact]
    public async Task Trailers_follow_a_chunked_body_and_reach_HttpClient()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("body") { Trailers = { { "Checksum", "abc" } } });
        using var client = new HttpClient();

        using var response = await client.GetAsync(server.Url("/"));
        (await response.Content.ReadAsStringAsync()).ShouldBe("body");
        response.TrailingHeaders.GetValues("Checksum").ShouldBe(["abc"]);
    }

    [Fact]
    public async Task Informational_responses_precede_the_final_one()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("done")
        {
            InformationalResponses = { new MockResponse(103) { Headers = { { "Link", "</a.css>; rel=preload" } } } },
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");

        server.Enqueue(new MockResponse("after 1xx") { InformationalResponses = { new MockResponse(102) } });
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("after 1xx");
    }

    [Fact]
    public async Task Head_responses_announce_the_length_without_a_body()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("twelve bytes"));
        server.Enqueue(new MockResponse("next"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("\r\n\r\nnext");
    }

    [Fact]
    public async Task No_content_responses_carry_no_framing()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(204));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 204 No Content\r\n\r\n");
    }

    [Fact]
    public async Task Connection_close_in_the_response_closes_after_it()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("bye") { Headers = { { "Connection", "close" } } });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadToEndAsync()).ShouldEndWith("\r\n\r\nbye");
    }

    [Fact]
    public async Task Http10_requests_close_unless_kept_alive()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("one"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.0\r\n\r\n");
        (await raw.ReadToEndAsync()).ShouldEndWith("one");
        server.TakeRequest().Protocol.ShouldBe(Protocol.Http10);
    }

    [Fact]
    public async Task Delays_and_throttle_run_on_the_servers_clock()
    {
        var time = new ObservableTimeProvider();
        await using var server = new MockWebServer { TimeProvider = time };
        server.Enqueue(new MockResponse("abcdef")
        {
            HeadersDelay = TimeSpan.FromSeconds(30),
            BodyDelay = TimeSpan.FromSeconds(10),
            Throttle = new Throttle(2, TimeSpan.FromSeconds(1)),
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n");

        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        (await raw.ReadExactlyAsync(2)).ShouldBe("ab");
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        (await raw.ReadExactlyAsync(2)).ShouldBe("cd");
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        (await raw.ReadExactlyAsync(2)).ShouldBe("ef");
    }

    [Fact]
    public async Task Body_trigger_counts_body_bytes_above_the_chunk_framing_the_throttle_paces()
    {
        // The decorators' order: OnResponseBody counts body bytes (not chunk lines), the throttle
        // paces the bytes on the wire (chunk lines included), and the trigger fires once they are out.
        var time = new ObservableTimeProvider();
        await using var server = new MockWebServer { TimeProvider = time };
        server.Enqueue(new MockResponse("abcdef")
        {
            ChunkSize = 2,
            Throttle = new Throttle(4, TimeSpan.FromSeconds(1)),
            OnResponseBody = new SocketEffect.CloseSocket(),
            OnResponseBodyAfterBytes = 2,
        });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        (await raw.ReadExactlyAsync(4)).ShouldBe("2\r\na");
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        (await raw.ReadToEndAsync()).ShouldBe("b\r\n");
    }

    [Fact]
    public async Task Large_bodies_stream_intact()
    {
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => (char)('a' + (i % 26)))));
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { Body = body });
        server.Enqueue(new MockResponse { Body = body, ChunkSize = 1000 });
        using var client = new HttpClient();
        (await client.GetByteArrayAsync(server.Url("/"))).ShouldBe(body);
        (await client.GetByteArrayAsync(server.Url("/"))).ShouldBe(body);
    }
}
