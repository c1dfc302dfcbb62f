using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

/// <summary>Hostile and broken input: each gets its status, a recorded failure, and nobody else is disturbed.</summary>
public sealed class MalformedRequestTests
{
    public static TheoryData<string, int, string> Cases => new()
    {
        { "GARBAGE\r\n\r\n", 400, "Malformed request line 'GARBAGE': expected 'method SP target SP version'." },
        { "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Malformed request line 'GET /a b HTTP/1.1': invalid character 0x20 in the request target." },
        { "GET / HTTP/1.x\r\n\r\n", 400, "Malformed start line 'GET / HTTP/1.x': invalid HTTP version." },
        { "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400, "Invalid header name 'Bad Header'." },
        { "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "Invalid header name 'Host '." },
        { "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "Header line 'NoColon' has no colon." },
        { "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400, "Obsolete line folding in header line ' folded' (RFC 9112 section 5.2)." },
        { "GET / HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n", 400, "Invalid character in the value of header 'X-A'." },
        { "GET / HTTP/2.0\r\n\r\n", 505, "HTTP version 'HTTP/2.0' is not supported." },
        { "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Request has both Content-Length and Transfer-Encoding." },
        { "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "Conflicting Content-Length values 3 and 4." },
        { "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Invalid Content-Length '-1'." },
        { "POST / HTTP/1.1\r\nTransfer-Encoding: rot13\r\n\r\n", 501, "Unsupported transfer coding 'rot13'." },
        { "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "Transfer-Encoding does not end with chunked (RFC 9112 section 6.3)." },
        { "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "Invalid chunk size 'zz'." },
        { "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFF\r\n", 400, "Chunk size 'FFFFFFFFFFFF' is too large." },
        { "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400, "Chunk data is not followed by CRLF (the chunk is longer than its size, or its line ends without CR)." },
        { "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400, "Chunk size line does not end with CRLF (RFC 9112 section 7.1)." },
        { "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;" + new string('e', 5000) + "\r\n", 400, "Chunk header is longer than 4096 bytes." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_requests_get_their_status_and_a_recorded_failure(string input, int status, string message)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("for the well-behaved"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(input);

        var response = await raw.ReadToEndAsync();
        response.ShouldStartWith($"HTTP/1.1 {status} ");
        response.ShouldContain("Connection: close\r\n");
        response.ShouldEndWith(message + "\n");

        var recorded = server.TakeRequest();
        recorded.Failure.ShouldBeOfType<System.Net.ProtocolViolationException>().Message.ShouldBe(message);

        // The scripted response is still there for a client that behaves.
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("for the well-behaved");
    }

    [Theory]
    [InlineData("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello")]
    public async Task An_HTTP10_request_with_Transfer_Encoding_has_faulty_framing(string request)
    {
        // RFC 9112 section 6.1: treated as faulty framing even with a Content-Length; answered 400, then closed.
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("not for this one"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(request);

        var response = await raw.ReadToEndAsync();
        response.ShouldStartWith("HTTP/1.1 400 ");
        response.ShouldContain("Connection: close\r\n");
        server.TakeRequest().Failure.ShouldBeOfType<System.Net.ProtocolViolationException>().Message.ShouldContain("RFC 9112 section 6.1");
    }

    [Fact]
    public async Task An_oversized_header_section_gets_431()
    {
        await using var server = new MockWebServer { MaxRequestHeadBytes = 1024 };
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nX-Big: " + new string('a', 2000) + "\r\n\r\n");
        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
        server.TakeRequest().Failure!.Message.ShouldBe("Header section is larger than the limit of 1024 bytes.");
    }

    [Fact]
    public async Task Too_many_header_fields_get_431()
    {
        await using var server = new MockWebServer { MaxRequestHeaderCount = 3 };
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n");
        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 431 ");
        server.TakeRequest().Failure!.Message.ShouldBe("More than 3 header fields.");
    }

    [Fact]
    public async Task A_never_ending_request_line_gets_414()
    {
        await using var server = new MockWebServer();
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET /" + new string('a', 20_000));
        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 414 URI Too Long\r\n");
        server.TakeRequest().RequestLine.ShouldStartWith("GET /aaaa");
    }

    [Fact]
    public async Task A_body_cut_short_is_recorded_with_its_failure()
    {
        await using var server = new MockWebServer();
        await using (var raw = await RawConnection.OpenAsync(server))
        {
            await raw.SendAsync("POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
            raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            (await raw.ReadToEndAsync()).ShouldBeEmpty();
        }

        var recorded = server.TakeRequest();
        recorded.Path.ShouldBe("/cut");
        recorded.BodyText.ShouldBe("abc");
        recorded.Failure.ShouldBeOfType<IOException>().Message.ShouldBe("The client closed the connection after 3 body bytes of 10.");
    }

    [Fact]
    public async Task Random_bytes_never_break_the_server()
    {
        await using var server = new MockWebServer { Dispatcher = Dispatcher.From(_ => new MockResponse("ok")) };
        var random = new Random(1234);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            await using var raw = await RawConnection.OpenAsync(server);
            await raw.SendAsync(bytes);
            raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await raw.ReadToEndAsync();
        }

        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("ok");
    }
}
