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
