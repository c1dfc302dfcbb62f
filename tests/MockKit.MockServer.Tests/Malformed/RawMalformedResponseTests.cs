using System.Text;
using static MockKit.MockServer.Tests.Malformed.MalformedResponseTests;

namespace MockKit.MockServer.Tests.Malformed;

/// <summary>
/// <see cref="MalformedResponse.RawHead"/> and <see cref="MalformedResponse.RawBody"/>: the test's own
/// bytes go on the wire in place of the head or the framed body, over HTTP/1.1 and HTTP/2.
/// </summary>
public sealed class RawMalformedResponseTests
{
    private const string Sockets = "SocketsHttpHandler";
    private const string Instrumented = "InstrumentedHandler";

    [Theory]
    [InlineData(Sockets, "invalid status code: '2OO'")]
    [InlineData(Instrumented, "2OO")]
    public async Task RawHead_over_http11_replaces_the_status_line_and_fields(string handler, string problem)
    {
        await using var server = NewServer("http/1.1");
        server.Enqueue(new MockResponse("body") { Malformed = MalformedResponse.RawHead("HTTP/1.1 2OO OK\r\nContent-Length: 4\r\n\r\n"u8.ToArray()) });
        using var client = NewClient(handler, "http/1.1");

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/raw")));

        Errors(failure).ShouldContain(HttpRequestError.InvalidResponse, Describe(failure));
        Describe(failure).ShouldContain(problem, Case.Sensitive);
        server.TakeRequest().Failure.ShouldBeNull();
    }

    [Theory]
    [InlineData(Sockets)]
    [InlineData(Instrumented)]
    public async Task RawBody_over_http11_sends_the_bytes_as_given_under_the_scripted_head(string handler)
    {
        // The test frames the body itself: two hand-made chunks under its own Transfer-Encoding.
        await using var server = NewServer("http/1.1");
        server.Enqueue(new MockResponse
        {
            Headers = { { "Transfer-Encoding", "chunked" } },
            Malformed = MalformedResponse.RawBody("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"u8.ToArray()),
        });
        using var client = NewClient(handler, "http/1.1");

        (await client.GetStringAsync(server.Url("/raw"))).ShouldBe("hello, world");
    }

    [Theory]
    [InlineData(Sockets, HttpRequestError.Unknown, "Invalid header index: 126")] // The runtime reports no finer error for HPACK.
    [InlineData(Instrumented, HttpRequestError.HttpProtocolError, "Header field index 126 is past the end of the tables")]
    public async Task RawHead_over_h2c_is_the_field_block_sent_unencoded(string handler, HttpRequestError error, string problem)
    {
        // 0xFE: an indexed field (RFC 7541 section 6.1) at index 126, past the 61 static entries and the empty dynamic table.
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse("body") { Malformed = MalformedResponse.RawHead(new byte[] { 0xFE }) });
        using var client = NewClient(handler, "h2c");

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/raw")));

        Errors(failure).ShouldContain(error, Describe(failure));
        Describe(failure).ShouldContain(problem, Case.Sensitive);
        server.TakeRequest().Failure.ShouldBeNull();
    }

    [Fact]
    public async Task RawBody_over_h2c_writes_the_test_frames_and_InstrumentedHandler_checks_content_length()
    {
        // A DATA frame (section 6.1) with END_STREAM on stream 1 carrying 5 of the 12 bytes content-length declares.
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse(Body12) { Malformed = MalformedResponse.RawBody(DataFrame(streamId: 1, "hello", endStream: true)) });
        using var client = NewClient(Instrumented, "h2c");

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/raw")));

        Errors(failure).ShouldContain(HttpRequestError.HttpProtocolError, Describe(failure));
        Describe(failure).ShouldContain("the stream ended after 5 of its content-length of 12 bytes", Case.Sensitive);
        server.Enqueue(new MockResponse("still serving"));
        (await client.GetStringAsync(server.Url("/next"))).ShouldBe("still serving");
    }

    [Fact]
    public async Task RawBody_over_h2c_reaches_SocketsHttpHandler_as_composed()
    {
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse { Headers = { { "Content-Type", "text/plain" } }, Malformed = MalformedResponse.RawBody(DataFrame(streamId: 1, "hand-made", endStream: true)) });
        using var client = NewClient(Sockets, "h2c");

        (await client.GetStringAsync(server.Url("/raw"))).ShouldBe("hand-made");
    }

    [Fact]
    public async Task InstrumentedHandler_over_h2c_refuses_headers_that_end_the_stream_with_a_content_length()
    {
        // A scripted Content-Length the (empty) body does not have: HEADERS with END_STREAM and content-length 12.
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse { Headers = { { "Content-Length", "12" } } });
        using var client = NewClient(Instrumented, "h2c");

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/lies")));

        Describe(failure).ShouldContain("the stream ended after 0 of its content-length of 12 bytes", Case.Sensitive);
    }

    [Theory]
    [InlineData("HEAD", 200)]
    [InlineData("GET", 304)]
    [InlineData("GET", 204)]
    public async Task InstrumentedHandler_over_h2c_does_not_hold_a_content_length_without_content_to_the_DATA(string method, int code)
    {
        // RFC 9113 section 8.1.1: a response defined to have no content may carry a non-zero content-length.
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse(code) { Headers = { { "Content-Length", "12" } } });
        using var client = NewClient(Instrumented, "h2c");

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), server.Url("/none")));

        ((int)response.StatusCode).ShouldBe(code);
        (await response.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
    }

    private const string Body12 = "hello, world";

    private static byte[] DataFrame(int streamId, string data, bool endStream)
    {
        var payload = Encoding.ASCII.GetBytes(data);
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = 0x0; // DATA
        frame[4] = endStream ? (byte)0x1 : (byte)0x0;
        frame[5] = (byte)(streamId >> 24);
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
        payload.CopyTo(frame, 9);
        return frame;
    }
}
