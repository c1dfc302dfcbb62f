using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Interop;

/// <summary>curl as an independent HTTP/1.1 client.</summary>
public sealed class CurlTests
{
    [Fact]
    public async Task Curl_gets_headers_and_body()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(201, "created") { Headers = { { "X-Id", "42" } } });

        var result = await ExternalProcess.CurlAsync("--http1.1", "-i", server.Url("/things").ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("HTTP/1.1 201 Created\r\nX-Id: 42\r\nContent-Length: 7\r\n\r\ncreated");
    }

    [Fact]
    public async Task Curl_posts_a_chunked_body_and_reads_a_chunked_response()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("chunky response") { ChunkSize = 3 });

        var result = await ExternalProcess.RunAsync(
            "curl",
            ["--silent", "--show-error", "--http1.1", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", server.Url("/upload").ToString()],
            standardInput: "streamed body");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("chunky response");
        var request = server.TakeRequest();
        request.BodyText.ShouldBe("streamed body");
        request.ChunkSizes.Sum().ShouldBe(13);
        request.Headers["Transfer-Encoding"].ShouldBe("chunked");
    }

    [Fact]
    public async Task Curl_reuses_its_connection_and_the_sequence_numbers_show_it()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("1"));
        server.Enqueue(new MockResponse("2"));

        var result = await ExternalProcess.CurlAsync("--http1.1", server.Url("/a").ToString(), server.Url("/b").ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("12");
        var a = server.TakeRequest();
        var b = server.TakeRequest();
        (a.ConnectionIndex, a.SequenceNumber).ShouldBe((0, 0));
        (b.ConnectionIndex, b.SequenceNumber).ShouldBe((0, 1));
    }

    [Fact]
    public async Task Curl_sees_a_disconnect_after_request_as_an_empty_reply()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });

        var result = await ExternalProcess.CurlAsync("--http1.1", server.Url("/").ToString());

        result.ExitCode.ShouldBe(52, result.ToString()); // CURLE_GOT_NOTHING
    }

    [Fact]
    public async Task Curl_sees_a_truncated_body()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("0123456789") { SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(4) });

        var result = await ExternalProcess.CurlAsync("--http1.1", server.Url("/").ToString());

        result.ExitCode.ShouldBe(18, result.ToString()); // CURLE_PARTIAL_FILE
        result.StandardOutput.ShouldBe("0123");
    }
}
