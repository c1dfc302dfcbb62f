using System.Text;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

public sealed class RecordedRequestTests
{
    [Fact]
    public async Task Every_field_of_a_fixed_length_request_is_recorded()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("POST /a/b?c=d HTTP/1.1\r\nHost: example.test:8080\r\nX-Multi: 1\r\nContent-Length: 5\r\nx-multi: 2\r\n\r\nhello");
        await raw.ReadResponseAsync();

        var request = server.TakeRequest();
        request.RequestLine.ShouldBe("POST /a/b?c=d HTTP/1.1");
        request.Method.ShouldBe("POST");
        request.Target.ShouldBe("/a/b?c=d");
        request.Path.ShouldBe("/a/b?c=d");
        request.Url.ShouldBe(new Uri("http://example.test:8080/a/b?c=d"));
        request.Headers["X-MULTI"].ShouldBe("2");
        request.Headers.GetValues("x-multi").ShouldBe(["1", "2"]);
        request.Headers.Select(h => h.Key).ShouldBe(["Host", "X-Multi", "Content-Length", "x-multi"]);
        request.Headers["Absent"].ShouldBeNull();
        request.Body.ShouldBe(Encoding.ASCII.GetBytes("hello"));
        request.BodyText.ShouldBe("hello");
        request.BodySize.ShouldBe(5);
        request.ChunkSizes.ShouldBeEmpty();
        request.SequenceNumber.ShouldBe(0);
        request.ExchangeIndex.ShouldBe(0);
        request.ConnectionIndex.ShouldBe(0);
        request.Protocol.ShouldBe(Protocol.Http11);
        request.Handshake.ShouldBeNull();
        request.Failure.ShouldBeNull();
        request.Trailers.Count.ShouldBe(0);
        server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task Chunked_request_bodies_record_chunk_sizes_and_trailers()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n5\r\ndefgh\r\n1\r\ni\r\n0\r\nX-Sum: 9\r\n\r\n");
        await raw.ReadResponseAsync();

        var request = server.TakeRequest();
        request.BodyText.ShouldBe("abcdefghi");
        request.ChunkSizes.ShouldBe([3, 5, 1]);
        request.BodySize.ShouldBe(9);
        request.Trailers["X-Sum"].ShouldBe("9");
    }

    [Fact]
    public async Task Body_limit_keeps_a_prefix_and_counts_everything()
    {
        await using var server = new MockWebServer { BodyLimit = 4 };
        server.Enqueue(new MockResponse());
        using var client = new HttpClient();
        await client.PostAsync(server.Url("/"), new StringContent("0123456789"));

        var request = server.TakeRequest();
        request.BodyText.ShouldBe("0123");
        request.BodySize.ShouldBe(10);
    }

    [Fact]
    public async Task Sequence_numbers_count_per_connection_and_connection_indexes_per_socket()
    {
        await using var server = new MockWebServer();
        for (var i = 0; i < 4; i++)
        {
            server.Enqueue(new MockResponse());
        }

        await using (var first = await RawConnection.OpenAsync(server))
        {
            await first.SendAsync("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
            await first.ReadResponseAsync();
            await first.SendAsync("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
            await first.ReadResponseAsync();
        }

        await using (var second = await RawConnection.OpenAsync(server))
        {
            await second.SendAsync("GET /3 HTTP/1.1\r\nHost: x\r\n\r\nGET /4 HTTP/1.1\r\nHost: x\r\n\r\n");
            await second.ReadResponseAsync();
            await second.ReadResponseAsync();
        }

        var recorded = Enumerable.Range(0, 4).Select(_ => server.TakeRequest()).ToList();
        recorded.Select(r => (r.Path, r.ConnectionIndex, r.SequenceNumber)).ShouldBe(
        [
            ("/1", 0, 0), ("/2", 0, 1), ("/3", 1, 0), ("/4", 1, 1),
        ]);
    }

    [Fact]
    public async Task HttpClient_requests_are_recorded_with_their_headers()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse());
        using var client = new HttpClient();
        using var message = new HttpRequestMessage(HttpMethod.Put, server.Url("/items/7"))
        {
            Content = new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("X-Trace", "t-1");
        await client.SendAsync(message);

        var request = server.TakeRequest();
        request.Method.ShouldBe("PUT");
        request.Headers["Host"].ShouldBe($"127.0.0.1:{server.Port}");
        request.Headers["X-Trace"].ShouldBe("t-1");
        request.Headers["Content-Type"].ShouldBe("application/json; charset=utf-8");
        request.BodyText.ShouldBe("{\"a\":1}");
        request.Url.ShouldBe(server.Url("/items/7"));
    }

    [Fact]
    public async Task Expect_continue_is_answered_only_when_the_policy_says_so()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ok") { SocketPolicy = SocketPolicy.ExpectContinue });
        server.Enqueue(new MockResponse("ok") { SocketPolicy = SocketPolicy.ContinueAlways });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 100 Continue\r\n\r\n");
        await raw.SendAsync("abc");
        (await raw.ReadResponseAsync()).ShouldEndWith("ok");

        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 100 Continue\r\n\r\n");
        await raw.SendAsync("def");
        (await raw.ReadResponseAsync()).ShouldEndWith("ok");

        server.TakeRequest().BodyText.ShouldBe("abc");
        server.TakeRequest().BodyText.ShouldBe("def");
    }

    [Fact]
    public async Task HttpClient_with_expect_continue_gets_its_100_and_sends_the_body()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ok") { SocketPolicy = SocketPolicy.ExpectContinue });
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler);
        using var message = new HttpRequestMessage(HttpMethod.Post, server.Url("/")) { Content = new StringContent("payload") };
        message.Headers.ExpectContinue = true;

        var response = await client.SendAsync(message).WaitAsync(TimeSpan.FromSeconds(20));
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        var request = server.TakeRequest();
        request.Headers["Expect"].ShouldBe("100-continue");
        request.BodyText.ShouldBe("payload");
    }
}
