using MockKit.MockServer.Tests.Support;
using static MockKit.MockServer.Tests.EventStreams.EventStreamPeers;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// <c>curl -N</c> (no output buffering) as the independent client: the bytes it prints are the body
/// exactly as the SSE grammar writes it, over HTTP/1.1, h2c and h2 over TLS; a cut stream makes curl
/// report a broken transfer after the events that were sent.
/// </summary>
public sealed class EventStreamCurlTests
{
    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task Curl_prints_the_events_in_the_wire_format(string protocol)
    {
        await using var server = NewServer(protocol);
        server.Enqueue(MockResponse.EventStream(Sample()));

        var result = await CurlAsync(server, protocol, "-i");

        result.ExitCode.ShouldBe(0, result.ToString());
        var (head, body) = Split(result.StandardOutput);
        head.ShouldContain("content-type: text/event-stream", Case.Insensitive);
        head.ShouldContain("cache-control: no-cache", Case.Insensitive);
        head.ShouldNotContain("content-length", Case.Insensitive);
        if (protocol == "http/1.1")
        {
            head.ShouldContain("Transfer-Encoding: chunked");
        }

        body.ShouldBe(SampleWire);
    }

    [Theory]
    [MemberData(nameof(Protocols), MemberType = typeof(EventStreamPeers))]
    public async Task Curl_sees_a_cut_stream_as_a_broken_transfer(string protocol)
    {
        await using var server = NewServer(protocol);
        var stream = MockResponse.EventStream(Sample());
        stream.DisconnectAfterEvents = 1;
        server.Enqueue(stream);

        var result = await CurlAsync(server, protocol);

        // HTTP/1.1: the socket closed inside the chunked body; HTTP/2: RST_STREAM on the stream.
        result.ExitCode.ShouldBe(protocol == "http/1.1" ? 18 : 92, result.ToString()); // CURLE_PARTIAL_FILE, CURLE_HTTP2_STREAM
        const string firstEvent = "event: greeting\ndata: hello\nid: 1\n\n";
        if (protocol == "http/1.1")
        {
            result.StandardOutput.ShouldBe(firstEvent);
        }
        else
        {
            // curl (nghttp2) may drop DATA it had not yet written out when the reset arrives: over
            // HTTP/2 only a prefix is guaranteed, and each event went out as one DATA frame.
            result.StandardOutput.ShouldBeOneOf("", firstEvent);
        }
    }

    [Fact]
    public async Task OnResponseBodyAfterBytes_cuts_inside_an_event()
    {
        await using var server = NewServer("http/1.1");
        var stream = MockResponse.EventStream(Sample());
        stream.OnResponseBody = new SocketEffect.CloseSocket();
        stream.OnResponseBodyAfterBytes = 40; // The first event is 35 bytes: the cut falls in the second.
        server.Enqueue(stream);

        var result = await CurlAsync(server, "http/1.1");

        result.ExitCode.ShouldBe(18, result.ToString()); // CURLE_PARTIAL_FILE
        result.StandardOutput.ShouldBe(SampleWire[..40]);
    }

    [Fact]
    public async Task ChunkSize_caps_the_chunks_an_event_goes_out_in()
    {
        await using var server = NewServer("http/1.1");
        var stream = MockResponse.EventStream(Sample());
        stream.ChunkSize = 16;
        server.Enqueue(stream);

        var result = await CurlAsync(server, "http/1.1", "--raw");

        result.ExitCode.ShouldBe(0, result.ToString());
        var chunks = new List<string>();
        var rest = result.StandardOutput;
        while (true)
        {
            var sizeEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
            var size = Convert.ToInt32(rest[..sizeEnd], 16);
            if (size == 0)
            {
                rest[(sizeEnd + 2)..].ShouldBe("\r\n");
                break;
            }

            chunks.Add(rest.Substring(sizeEnd + 2, size));
            rest = rest[(sizeEnd + 2 + size + 2)..];
        }

        chunks.ShouldAllBe(c => c.Length <= 16);
        string.Concat(chunks).ShouldBe(SampleWire);
    }

    private static async Task<ExternalProcess.Result> CurlAsync(MockWebServer server, string protocol, params string[] more)
    {
        string[] arguments = protocol switch
        {
            "h2c" => ["--http2-prior-knowledge", server.Url("/events").ToString()],
            "h2" => ["--http2", "--cacert", await WriteRootAsync(), $"https://localhost:{server.Port}/events"],
            _ => ["--http1.1", server.Url("/events").ToString()],
        };
        return await ExternalProcess.CurlAsync(["-N", .. more, .. arguments]);
    }

    private static (string Head, string Body) Split(string output)
    {
        var end = output.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        end.ShouldBeGreaterThan(0, output);
        return (output[..end], output[(end + 4)..]);
    }

    private static async Task<string> WriteRootAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mockkit-root-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(path, Localhost.TrustedCertificates[0].ExportCertificatePem());
        return path;
    }
}
