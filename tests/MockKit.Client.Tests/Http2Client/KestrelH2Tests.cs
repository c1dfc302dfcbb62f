using System.Net;
using MockKit.Tls;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>The client against an independent HTTP/2 server: Kestrel over TLS (ALPN) and h2c.</summary>
public sealed class KestrelH2Tests(KestrelH2Fixture kestrel) : IClassFixture<KestrelH2Fixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_gets_multiplex_on_one_connection(bool tls)
    {
        using var handler = tls
            ? new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost() }
            : new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        var url = tls ? kestrel.HttpsUrl : kestrel.H2cUrl;

        var responses = await kestrel.Host.ExplainAsync(() => Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync(url))));
        foreach (var response in responses)
        {
            response.Version.ShouldBe(HttpVersion.Version20);
            (await response.Content.ReadAsStringAsync()).ShouldBe("hello HTTP/2");
            response.Dispose();
        }

        handler.Pool.ConnectionCount.ShouldBe(1);
        responses.Select(r => r.GetExchange().SequenceNumber).Order().ShouldBe(Enumerable.Range(0, 20));
    }

    [Fact]
    public async Task Request_fields_go_out_lower_case_without_the_connection_specific_ones()
    {
        // RFC 9113 section 8.2: Kestrel treats an upper-case name or a connection-specific field as a
        // malformed request (a stream error), so the request succeeding is part of the check.
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(kestrel.H2cUrl, "/headers"));
        request.Headers.ConnectionClose = true;
        request.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic c2VjcmV0");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        request.Headers.TryAddWithoutValidation("X-Mixed-Case", "kept");
        request.Headers.UserAgent.ParseAdd("mockkit-test/1");

        using var response = await kestrel.Host.ExplainAsync(() => client.SendAsync(request));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var received = (await response.Content.ReadAsStringAsync()).Split('\n');
        received.ShouldContain("x-mixed-case: kept");
        received.ShouldContain("user-agent: mockkit-test/1");
        received.ShouldContain("te: trailers");
        received.ShouldNotContain(line => line.StartsWith("connection:") || line.StartsWith("keep-alive:") || line.StartsWith("proxy-connection:")
            || line.StartsWith("upgrade:") || line.StartsWith("proxy-authorization:"));
    }

    [Fact]
    public async Task Trailers_and_a_large_echo_round_trip()
    {
        using var handler = new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost() };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var trailers = await kestrel.Host.ExplainAsync(() => client.GetAsync(new Uri(kestrel.HttpsUrl, "/trailers")));
        (await trailers.Content.ReadAsStringAsync()).ShouldBe("with trailers");
        trailers.TrailingHeaders.GetValues("x-checksum").ShouldBe(["abc"]);

        var payload = new byte[3 * 1024 * 1024]; // Beyond every default window: both directions need WINDOW_UPDATEs.
        Random.Shared.NextBytes(payload);
        using var echo = await kestrel.Host.ExplainAsync(() => client.PostAsync(new Uri(kestrel.HttpsUrl, "/echo"), new ByteArrayContent(payload)));
        (await echo.Content.ReadAsByteArrayAsync()).ShouldBe(payload);
        echo.GetExchange().SequenceNumber.ShouldBe(1);
    }
}
