using MockKit.MockServer.Tests.Support;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>curl, nghttp and h2load (nghttp2) as independent HTTP/2 clients.</summary>
public sealed class Http2InteropTests
{
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    [Fact]
    public async Task Curl_http2_over_tls()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse(201, "curl h2") { Headers = { { "X-Id", "7" } } });
        var caFile = await WriteRootAsync();

        var result = await ExternalProcess.CurlAsync("--http2", "-i", "--cacert", caFile, $"https://localhost:{server.Port}/c");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldStartWith("HTTP/2 201");
        result.StandardOutput.ShouldContain("x-id: 7");
        result.StandardOutput.ShouldEndWith("curl h2");
        var request = server.TakeRequest();
        request.Protocol.ShouldBe(Protocol.Http2);
        request.Handshake!.ApplicationProtocol.ShouldBe("h2");
        request.Headers["user-agent"].ShouldStartWith("curl/");
    }

    [Fact]
    public async Task Curl_http2_prior_knowledge_posts_a_body()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("got it"));

        var result = await ExternalProcess.CurlAsync("--http2-prior-knowledge", "--data-binary", "posted over h2c", server.Url("/p").ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("got it");
        var request = server.TakeRequest();
        request.RequestLine.ShouldBe("POST /p HTTP/2");
        request.BodyText.ShouldBe("posted over h2c");
        request.Protocol.ShouldBe(Protocol.H2PriorKnowledge);
    }

    [Fact]
    public async Task Nghttp_verbose_exchange()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("from nghttp"));

        var result = await NghttpAsync("-v", server.Url("/v").ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldContain("recv SETTINGS frame");
        result.StandardOutput.ShouldContain("from nghttp");
        server.TakeRequest().Path.ShouldBe("/v");
    }

    [Fact]
    public async Task Nghttp_fifty_concurrent_streams_on_one_connection()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Dispatcher = Dispatcher.From(r => new MockResponse($"stream for {r.Path}"));

        var result = await NghttpAsync("-n", "-m", "50", server.Url("/many").ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        var requests = Enumerable.Range(0, 50).Select(_ => server.TakeRequest()).ToList();
        requests.Select(r => r.SequenceNumber).Order().ShouldBe(Enumerable.Range(0, 50));
        requests.Select(r => r.ConnectionIndex).Distinct().ShouldHaveSingleItem();
        requests.ShouldAllBe(r => r.Failure == null);
    }

    [Fact]
    public async Task H2load_ten_streams_per_connection_on_a_frozen_clock_never_trip_the_flood_guards()
    {
        // Legitimate load (h2load -m10 with 64 KiB windows, -w16 -W16, smaller than the bodies, so WINDOW_UPDATE
        // flows all the time) on a clock that never moves: only the budget earned by served
        // requests and sent DATA keeps these connections inside the flood guards.
        const int requests = 4_000;
        await using var server = new MockWebServer
        {
            Protocols = [Protocol.H2PriorKnowledge],
            TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(),
        };
        var body = new string('b', 20_000);
        server.Dispatcher = Dispatcher.From(_ => new MockResponse(body));

        ExternalProcess.Result result;
        try
        {
            result = await ExternalProcess.RunAsync("h2load", ["-n", $"{requests}", "-c", "2", "-m", "10", "-w", "16", "-W", "16", server.Url("/load").ToString()], timeout: TimeSpan.FromMinutes(2));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("h2load is missing: install the apt package nghttp2-client.", e);
        }

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldContain($"{requests} succeeded, 0 failed, 0 errored", Case.Sensitive, result.ToString());
        server.RequestCount.ShouldBe(requests);
    }

    private static async Task<ExternalProcess.Result> NghttpAsync(params string[] arguments)
    {
        try
        {
            return await ExternalProcess.RunAsync("nghttp", ["-t", "20", .. arguments]);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("nghttp is missing: install the apt package nghttp2-client.", e);
        }
    }

    private static async Task<string> WriteRootAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mockkit-root-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(path, Localhost.TrustedCertificates[0].ExportCertificatePem());
        return path;
    }
}
