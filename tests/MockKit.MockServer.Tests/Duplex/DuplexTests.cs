using System.Net;
using System.Text;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// <see cref="MockResponse.DuplexHandler"/>: the handler answers each line of the request body while the
/// body is still arriving, and the client (HttpClient) reads each answer before it sends the next line.
/// </summary>
public sealed class DuplexTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Protocols => ["http/1.1", "h2c"];

    /// <remarks>
    /// HTTP/2 only with HttpClient: SocketsHttpHandler's HTTP/1.1 returns the response after the whole
    /// request content was sent, so the HTTP/1.1 case is driven over a raw socket below.
    /// </remarks>
    [Fact]
    public async Task Http2_response_answers_the_request_body_as_it_arrives()
    {
        const string protocol = "h2c";
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        server.TrafficLog = log.Enqueue;
        server.Enqueue(new MockResponse { Headers = { { "Content-Type", "text/plain" } }, DuplexHandler = EchoLinesAsync });
        using var client = NewClient(protocol);
        var content = new ChannelContent();

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(Post(server, protocol, content), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new Xunit.Sdk.XunitException($"No response head within {Deadline}. Server log:\n{string.Join("\n", log)}", e);
        }

        using var disposeResponse = response;
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        var reader = new LineReader(body);

        // Each answer is read before the next line is sent: the request is still open meanwhile.
        content.Send("one\n");
        (await reader.ReadLineAsync(cts.Token)).ShouldBe("echo: one");
        content.Send("two\n");
        (await reader.ReadLineAsync(cts.Token)).ShouldBe("echo: two");
        content.End();
        (await reader.ReadLineAsync(cts.Token)).ShouldBe("bye after 2 lines");
        (await reader.ReadLineAsync(cts.Token)).ShouldBeNull();

        var recorded = await server.TakeRequestAsync(cts.Token);
        recorded.Method.ShouldBe("POST");
        recorded.BodyText.ShouldBe("one\ntwo\n");
        recorded.Failure.ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task A_custom_dispatcher_s_duplex_response_reads_the_recorded_body(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer(protocol);
        server.Dispatcher = Dispatcher.From(_ => new MockResponse { DuplexHandler = EchoLinesAsync });
        using var client = NewClient(protocol);

        using var response = await client.SendAsync(Post(server, protocol, new StringContent("a\nb\n")), cts.Token);

        (await response.Content.ReadAsStringAsync(cts.Token)).ShouldBe("echo: a\necho: b\nbye after 2 lines\n");
    }

    [Fact]
    public async Task Http2_duplex_echo_larger_than_both_flow_control_windows()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer("h2c");
        server.Enqueue(new MockResponse { DuplexHandler = (request, response, ct) => request.CopyToAsync(response, ct) });
        using var client = NewClient("h2c");
        var payload = new byte[300_000]; // Over 65,535 each way: both sides wait for WINDOW_UPDATEs.
        new Random(7).NextBytes(payload);

        var content = new ChannelContent();
        for (var offset = 0; offset < payload.Length; offset += 16_384)
        {
            content.Send(payload[offset..Math.Min(payload.Length, offset + 16_384)]);
        }

        content.End();
        using var response = await client.SendAsync(Post(server, "h2c", content), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var echoed = await response.Content.ReadAsByteArrayAsync(cts.Token);

        echoed.ShouldBe(payload);
        (await server.TakeRequestAsync(cts.Token)).BodySize.ShouldBe(payload.Length);
    }

    [Fact]
    public async Task Http1_response_is_chunked_and_answers_the_request_body_as_it_arrives()
    {
        await using var server = NewServer("http/1.1");
        server.Enqueue(new MockResponse { DuplexHandler = EchoLinesAsync });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("POST /duplex HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\none\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        (await raw.ReadUntilAsync("echo: one\n\r\n")).ShouldBe("a\r\necho: one\n\r\n");

        // The request is still open: its second chunk is sent only now, after the first answer arrived.
        await raw.SendAsync("4\r\ntwo\n\r\n");
        (await raw.ReadUntilAsync("echo: two\n\r\n")).ShouldBe("a\r\necho: two\n\r\n");
        await raw.SendAsync("0\r\n\r\n");
        (await raw.ReadUntilAsync("0\r\n\r\n")).ShouldBe("12\r\nbye after 2 lines\n\r\n0\r\n\r\n");

        var recorded = server.TakeRequest();
        recorded.BodyText.ShouldBe("one\ntwo\n");
        recorded.ChunkSizes.ShouldBe([4, 4]);
        recorded.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task Http1_duplex_response_is_chunked_and_the_connection_is_kept()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = NewServer("http/1.1");
        server.Enqueue(new MockResponse { DuplexHandler = EchoLinesAsync });
        server.Enqueue(new MockResponse("next"));
        using var client = NewClient("http/1.1");

        using (var response = await client.SendAsync(Post(server, "http/1.1", new StringContent("x\n")), cts.Token))
        {
            response.Headers.TransferEncodingChunked.ShouldBe(true);
            (await response.Content.ReadAsStringAsync(cts.Token)).ShouldBe("echo: x\nbye after 1 lines\n");
        }

        (await client.GetStringAsync(server.Url("/next"), cts.Token)).ShouldBe("next");
        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(0);
        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(0);
    }

    /// <summary>Answers each request line as it arrives, then says goodbye when the request body ends.</summary>
    private static async Task EchoLinesAsync(Stream request, Stream response, CancellationToken ct)
    {
        var reader = new LineReader(request);
        var count = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            count++;
            await response.WriteAsync(Encoding.UTF8.GetBytes($"echo: {line}\n"), ct);
            await response.FlushAsync(ct);
        }

        await response.WriteAsync(Encoding.UTF8.GetBytes($"bye after {count} lines\n"), ct);
    }

    private static MockWebServer NewServer(string protocol) =>
        protocol == "h2c" ? new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] } : new MockWebServer();

    private static HttpClient NewClient(string protocol) => new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = protocol == "h2c" ? HttpVersion.Version20 : HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static HttpRequestMessage Post(MockWebServer server, string protocol, HttpContent content) =>
        new(HttpMethod.Post, server.Url("/duplex"))
        {
            Content = content,
            Version = protocol == "h2c" ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    /// <summary>Reads UTF-8 lines (without the newline) from a stream; null at the end.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly MemoryStream _pending = new();

        public async Task<string?> ReadLineAsync(CancellationToken ct)
        {
            var one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one, ct) == 0)
                {
                    return _pending.Length == 0 ? null : Take();
                }

                if (one[0] == (byte)'\n')
                {
                    return Take();
                }

                _pending.WriteByte(one[0]);
            }
        }

        private string Take()
        {
            var line = Encoding.UTF8.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
            _pending.SetLength(0);
            return line;
        }
    }
}
