using System.Net;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;
using MockKit.MockServer.Tests.Support;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// A duplex response that may carry no content (RFC 9110: a response to HEAD, section 9.3.2; 1xx, 204
/// and 304, section 6.4.1) goes out as its head alone, like a scripted one: HTTP/1.1 with no framing
/// fields and no body, HTTP/2 one HEADERS frame with END_STREAM. The handler still runs and reads the
/// request body; a body it writes is refused with an error it sees. Checked as exact bytes on a raw
/// socket, frame by frame with the frame-level peer, and with independent clients (SocketsHttpHandler
/// over HTTP/1.1, h2c and h2 over TLS; curl).
/// </summary>
public sealed class DuplexNoContentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    public static TheoryData<string, int, string> NoContent() => new()
    {
        { "HEAD", 200, "HTTP/1.1 200 OK\r\n\r\n" },
        { "POST", 204, "HTTP/1.1 204 No Content\r\n\r\n" },
        { "GET", 304, "HTTP/1.1 304 Not Modified\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(NoContent))]
    public async Task Http1_the_head_is_the_whole_response_and_the_connection_goes_on(string method, int code, string expected)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        var (response, read, _) = ReadsThenReturns(code, write: false);
        server.Enqueue(response);
        server.Enqueue(new MockResponse("next"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync($"{method} /duplex HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping");

        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe(expected);
        (await read.Task.WaitAsync(cts.Token)).ShouldBe("ping");

        // Nothing followed the head: the next response on the connection is the next exchange's.
        await raw.SendAsync("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadUntilAsync("next")).ShouldBe("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext");
    }

    [Fact]
    public async Task Http1_a_body_the_handler_writes_is_refused_and_the_connection_closes()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        var (response, read, refused) = ReadsThenReturns(204, write: true);
        server.Enqueue(response);
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("POST /duplex HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping");

        // The complete 204 and then the end of the connection: the handler failed, so the
        // exchange ends there (its read of the request body is the handler's business).
        (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 204 No Content\r\n\r\n");
        (await read.Task.WaitAsync(cts.Token)).ShouldBe("ping");
        var error = await refused.Task.WaitAsync(cts.Token);
        error.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe(
            "A 204 response to POST carries no content (RFC 9110 sections 6.4.1, 9.3.2): its head was the whole response, so the duplex handler cannot write a body.");
    }

    [Theory]
    [InlineData("http/1.1", "HEAD", 200)]
    [InlineData("http/1.1", "POST", 204)]
    [InlineData("http/1.1", "GET", 304)]
    [InlineData("h2c", "HEAD", 200)]
    [InlineData("h2c", "POST", 204)]
    [InlineData("h2c", "GET", 304)]
    [InlineData("h2", "HEAD", 200)]
    [InlineData("h2", "POST", 204)]
    public async Task HttpClient_gets_the_status_and_no_content_and_the_connection_serves_the_next(string protocol, string method, int code)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        using var handler = protocol == "h2" ? Localhost.CreateSocketsHttpHandler() : new SocketsHttpHandler();
        if (protocol == "h2")
        {
            server.UseHttps(Localhost);
        }
        else if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        var (response, read, _) = ReadsThenReturns(code, write: false);
        server.Enqueue(response);
        server.Enqueue(new MockResponse("next"));
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var version = protocol == "http/1.1" ? HttpVersion.Version11 : HttpVersion.Version20;

        using var request = new HttpRequestMessage(new HttpMethod(method), server.Url("/duplex"))
        {
            Content = new ByteArrayContent("ping"u8.ToArray()),
            Version = version,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using (var answer = await client.SendAsync(request, cts.Token))
        {
            ((int)answer.StatusCode).ShouldBe(code);
            answer.Headers.TransferEncodingChunked.ShouldNotBe(true);
            (await answer.Content.ReadAsByteArrayAsync(cts.Token)).ShouldBeEmpty();
        }

        (await read.Task.WaitAsync(cts.Token)).ShouldBe("ping");
        using var next = new HttpRequestMessage(HttpMethod.Get, server.Url("/next")) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var nextAnswer = await client.SendAsync(next, cts.Token);
        (await nextAnswer.Content.ReadAsStringAsync(cts.Token)).ShouldBe("next");
        (await server.TakeRequestAsync(cts.Token)).Failure.ShouldBeNull();
        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(0); // The same connection.
    }

    [Theory]
    [InlineData("http/1.1")]
    [InlineData("h2c")]
    public async Task Curl_head_returns_at_once_with_no_chunked_framing(string protocol)
    {
        await using var server = new MockWebServer();
        if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        server.Enqueue(ReadsThenReturns(200, write: false).Response);

        var result = protocol == "h2c"
            ? await ExternalProcess.CurlAsync("-sI", "--http2-prior-knowledge", server.Url("/duplex").ToString())
            : await ExternalProcess.CurlAsync("-sI", server.Url("/duplex").ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldStartWith(protocol == "h2c" ? "HTTP/2 200" : "HTTP/1.1 200", Case.Sensitive, result.ToString());
        result.StandardOutput.ShouldNotContain("transfer-encoding", Case.Insensitive, result.ToString());
        result.StandardOutput.ShouldNotContain("content-length", Case.Insensitive, result.ToString());
    }

    [Theory]
    [InlineData("HEAD", 200, false)]
    [InlineData("POST", 204, false)]
    [InlineData("POST", 204, true)]
    public async Task Http2_one_headers_frame_ends_the_stream(string method, int code, bool write)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        var (response, read, refused) = ReadsThenReturns(code, write);
        server.Enqueue(response);
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendHeadersAsync(1, [(":method", method), (":scheme", "http"), (":path", "/duplex"), (":authority", "x")], endStream: false);
        await peer.SendDataAsync(1, "ping"u8.ToArray(), endStream: true);

        var headers = await peer.ExpectFrameAsync(Http2FrameType.Headers, streamId: 1);
        headers.Flags.ShouldBe(Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream);
        var fields = peer.DecodeHeaders(headers);
        fields.ShouldContain(f => f.Name == ":status" && f.Value == code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fields.ShouldNotContain(f => f.Name == "content-length");
        (await read.Task.WaitAsync(cts.Token)).ShouldBe("ping");
        if (write)
        {
            (await refused.Task.WaitAsync(cts.Token)).ShouldBeOfType<InvalidOperationException>();
        }
    }

    /// <summary>
    /// A duplex response with <paramref name="code"/> whose handler reads the whole request body
    /// (reported through Read), then, when <paramref name="write"/>, tries to write a body (the
    /// refusal reported through Refused, then rethrown as a handler that does not catch it would).
    /// </summary>
    private static (MockResponse Response, TaskCompletionSource<string> Read, TaskCompletionSource<Exception> Refused) ReadsThenReturns(int code, bool write)
    {
        var read = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var response = new MockResponse
        {
            Code = code,
            DuplexHandler = async (requestBody, responseBody, ct) =>
            {
                using var reader = new StreamReader(requestBody, leaveOpen: true);
                read.TrySetResult(await reader.ReadToEndAsync(ct));
                if (write)
                {
                    try
                    {
                        await responseBody.WriteAsync("not allowed"u8.ToArray(), ct);
                    }
                    catch (Exception e)
                    {
                        refused.TrySetResult(e);
                        throw;
                    }
                }
            },
        };
        return (response, read, refused);
    }
}
