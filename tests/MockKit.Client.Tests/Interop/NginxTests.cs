using MockKit.Tls;

namespace MockKit.Client.Tests.Interop;

public sealed class NginxTests(NginxFixture nginx) : IClassFixture<NginxFixture>
{
    [Fact]
    public async Task Nginx_keeps_the_connection_alive_between_requests()
    {
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        (await client.GetStringAsync($"http://127.0.0.1:{nginx.Port}/")).ShouldBe("nginx ok");
        using var second = await client.GetAsync($"http://127.0.0.1:{nginx.Port}/again");

        (await second.Content.ReadAsStringAsync()).ShouldBe("nginx ok");
        second.GetExchange().ConnectionReused.ShouldBeTrue();
        second.GetExchange().SequenceNumber.ShouldBe(1);
        handler.Pool.ConnectionCount.ShouldBe(1);
        handler.Pool.IdleConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Nginx_redirect_is_followed_on_the_same_connection()
    {
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync($"http://127.0.0.1:{nginx.Port}/moved");

        (await response.Content.ReadAsStringAsync()).ShouldBe("nginx ok");
        response.GetExchange().SequenceNumber.ShouldBe(1);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Nginx_connection_close_is_honoured()
    {
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        (await client.GetStringAsync($"http://127.0.0.1:{nginx.Port}/close")).ShouldBe("closing");

        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task Nginx_over_tls_with_the_localhost_certificate()
    {
        using var handler = new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost() };
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync($"https://localhost:{nginx.TlsPort}/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("nginx tls ok");
        response.GetExchange().Handshake!.ServerName.ShouldBe("localhost");
        response.GetExchange().Handshake!.ApplicationProtocol.ShouldBe("http/1.1");
    }
}
