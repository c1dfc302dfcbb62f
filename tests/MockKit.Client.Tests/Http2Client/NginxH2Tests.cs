using System.Net;
using MockKit.Tls;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>The client against nginx's HTTP/2 over TLS.</summary>
public sealed class NginxH2Tests(NginxH2Fixture nginx) : IClassFixture<NginxH2Fixture>
{
    [Fact]
    public async Task Nginx_serves_concurrent_calls_on_one_h2_connection_and_a_redirect_stays_on_it()
    {
        using var handler = new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost() };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        var url = new Uri($"https://localhost:{nginx.TlsPort}/");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetAsync(url)));
        foreach (var response in responses)
        {
            response.Version.ShouldBe(HttpVersion.Version20);
            (await response.Content.ReadAsStringAsync()).ShouldBe("nginx h2 ok HTTP/2.0");
            response.GetExchange().Handshake!.ApplicationProtocol.ShouldBe("h2");
            response.Dispose();
        }

        using var moved = await client.GetAsync(new Uri(url, "/moved"));
        (await moved.Content.ReadAsStringAsync()).ShouldBe("nginx h2 ok HTTP/2.0");
        moved.GetExchange().SequenceNumber.ShouldBe(11);
        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.MultiplexedConnectionCount.ShouldBe(1);
    }
}
