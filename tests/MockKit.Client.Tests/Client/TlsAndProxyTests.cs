using System.Net;
using System.Security.Authentication;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Client;

public sealed class TlsAndProxyTests
{
    [Fact]
    public async Task Https_with_localhost_certificates_records_the_handshake()
    {
        var certificates = HandshakeCertificates.Localhost();
        var handler = ClientHarness.HandlerWithRoutes(1);
        handler.Certificates = certificates;
        handler.Protocols = [Protocol.Http11]; // The HTTP/2 equivalent lives in Http2Client/.
        await using var h = await ClientHarness.StartAsync(handler, server => server.UseHttps(certificates));
        h.Server.Enqueue(new MockResponse("secure"));
        h.Server.Enqueue(new MockResponse("secure again"));

        using var first = await h.Client.GetAsync(h.LocalhostUrl("/"));
        (await first.Content.ReadAsStringAsync()).ShouldBe("secure");
        using var second = await h.Client.GetAsync(h.LocalhostUrl("/"));

        var exchange = second.GetExchange();
        exchange.ConnectionReused.ShouldBeTrue();
        exchange.Route.Scheme.ShouldBe("https");
        var handshake = exchange.Handshake.ShouldNotBeNull();
        handshake.ServerName.ShouldBe("localhost");
        handshake.ApplicationProtocol.ShouldBe("http/1.1");
        handshake.TlsVersion.ShouldBeOneOf(SslProtocols.Tls12, SslProtocols.Tls13);
        handshake.PeerCertificates[0].Thumbprint.ShouldBe(certificates.HeldCertificate!.Certificate.Thumbprint);
        h.Pool.Connections.ShouldHaveSingleItem().Handshake.ShouldBe(handshake);
        h.Server.TakeRequest().Handshake!.ServerName.ShouldBe("localhost");
    }

    [Fact]
    public async Task An_ip_literal_sends_no_sni()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Certificates = certificates }, server => server.UseHttps(certificates));
        h.Server.Enqueue(new MockResponse("by ip"));

        using var response = await h.Client.GetAsync(h.Url("/"));

        response.GetExchange().Handshake!.ServerName.ShouldBeNull();
        h.Server.TakeRequest().Handshake!.ServerName.ShouldBeNull();
    }

    [Fact]
    public async Task Untrusted_server_fails_with_a_secure_connection_error()
    {
        await using var h = await ClientHarness.StartAsync(ClientHarness.HandlerWithRoutes(1), server => server.UseHttps(HandshakeCertificates.Localhost()));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => h.Client.GetAsync(h.LocalhostUrl("/")));

        failure.HttpRequestError.ShouldBe(HttpRequestError.SecureConnectionError);
        failure.Message.ShouldContain("TLS handshake");
        failure.Message.ShouldContain($"https://localhost:{h.Server.Port}");
    }

    [Fact]
    public async Task A_hostname_verifier_replaces_the_name_check_only()
    {
        var certificates = HandshakeCertificates.Localhost();
        var asked = new List<string>();
        var handler = new InstrumentedHandler
        {
            Dns = new StaticDns(IPAddress.Loopback),
            Certificates = certificates,
            HostnameVerifier = (host, certificate) =>
            {
                asked.Add(host);
                return certificate.Thumbprint == certificates.HeldCertificate!.Certificate.Thumbprint;
            },
        };
        await using var h = await ClientHarness.StartAsync(handler, server => server.UseHttps(certificates));
        h.Server.Enqueue(new MockResponse("renamed"));

        (await h.Client.GetStringAsync($"https://not-in-the-cert.test:{h.Server.Port}/")).ShouldBe("renamed");
        asked.ShouldBe(["not-in-the-cert.test"]);
    }

    [Fact]
    public async Task Plain_http_through_a_proxy_uses_absolute_form()
    {
        await using var h = await ClientHarness.StartAsync();
        using var client = new HttpClient(new InstrumentedHandler { Proxy = h.Server.ToProxy(), Dns = new StaticDns() });
        h.Server.Enqueue(new MockResponse("proxied"));

        using var response = await client.GetAsync("http://origin.test/path?q=1");

        (await response.Content.ReadAsStringAsync()).ShouldBe("proxied");
        h.Server.TakeRequest().RequestLine.ShouldBe("GET http://origin.test/path?q=1 HTTP/1.1");
        response.GetExchange().Route.Proxy.ShouldBe(h.Server.ProxyAddress);
        response.GetExchange().Route.Host.ShouldBe("origin.test");
    }

    [Fact]
    public async Task Https_through_a_connect_tunnel_counts_the_connect_in_sequence_numbers()
    {
        var certificates = HandshakeCertificates.Localhost();
        var listener = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(configure: server => server.UseHttps(certificates));
        using var client = new HttpClient(new InstrumentedHandler { Proxy = h.Server.ToProxy(), Certificates = certificates, EventListener = listener, Protocols = [Protocol.Http11] });
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        h.Server.Enqueue(new MockResponse("tunnelled"));
        h.Server.Enqueue(new MockResponse("tunnelled again"));

        using var response = await client.GetAsync($"https://localhost:{h.Server.Port}/");
        (await response.Content.ReadAsStringAsync()).ShouldBe("tunnelled");
        using var again = await client.GetAsync($"https://localhost:{h.Server.Port}/again");

        var connect = h.Server.TakeRequest();
        connect.Method.ShouldBe("CONNECT");
        connect.SequenceNumber.ShouldBe(0);
        var get = h.Server.TakeRequest();
        (get.Method, get.SequenceNumber, get.ConnectionIndex).ShouldBe(("GET", 1, connect.ConnectionIndex));
        response.GetExchange().SequenceNumber.ShouldBe(1);
        response.GetExchange().Route.RequiresTunnel.ShouldBeTrue();
        response.GetExchange().Handshake!.ServerName.ShouldBe("localhost");
        again.GetExchange().SequenceNumber.ShouldBe(2);
        h.Server.TakeRequest().SequenceNumber.ShouldBe(2);
        listener.EventNames.Count(n => n == "RequestHeadersStart").ShouldBe(2, "the CONNECT is connection setup, not an exchange of the call");
    }

    [Fact]
    public async Task A_407_to_connect_is_answered_once_with_basic_credentials()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var h = await ClientHarness.StartAsync(configure: server => server.UseHttps(certificates));
        var proxy = new WebProxy(h.Server.ProxyAddress) { BypassProxyOnLocal = false, Credentials = new NetworkCredential("user", "pass") };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Certificates = certificates, Protocols = [Protocol.Http11] });
        var script = new ProxyAuthDispatcher();
        h.Server.Dispatcher = script;
        script.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        script.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        script.Enqueue(new MockResponse("authorized"));

        using var response = await client.GetAsync($"https://localhost:{h.Server.Port}/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("authorized");
        var first = h.Server.TakeRequest();
        first.Headers["Proxy-Authorization"].ShouldBeNull();
        var second = h.Server.TakeRequest();
        (second.Method, second.SequenceNumber).ShouldBe(("CONNECT", 1));
        second.Headers["Proxy-Authorization"].ShouldBe("Basic dXNlcjpwYXNz");
        h.Server.TakeRequest().SequenceNumber.ShouldBe(2);
        response.GetExchange().SequenceNumber.ShouldBe(2);
    }

    [Fact]
    public async Task A_second_407_fails_with_a_tunnel_error()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var h = await ClientHarness.StartAsync(configure: server => server.UseHttps(certificates));
        var proxy = new WebProxy(h.Server.ProxyAddress) { BypassProxyOnLocal = false, Credentials = new NetworkCredential("user", "wrong") };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Certificates = certificates, RetryOnConnectionFailure = false });
        var script = new ProxyAuthDispatcher();
        h.Server.Dispatcher = script;
        script.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        script.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        script.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"https://localhost:{h.Server.Port}/"));

        failure.HttpRequestError.ShouldBe(HttpRequestError.ProxyTunnelError);
        failure.StatusCode.ShouldBe(HttpStatusCode.ProxyAuthenticationRequired);
        h.Server.RequestCount.ShouldBe(2);
    }

    [Fact]
    public async Task A_407_to_a_plain_http_request_is_answered_once()
    {
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy(h.Server.ProxyAddress) { BypassProxyOnLocal = false, Credentials = new NetworkCredential("user", "pass") };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Dns = new StaticDns() });
        h.Server.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        h.Server.Enqueue(new MockResponse("welcome"));

        (await client.GetStringAsync("http://origin.test/")).ShouldBe("welcome");
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBeNull();
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBe("Basic dXNlcjpwYXNz");
    }

    [Fact]
    public async Task A_bypassed_destination_goes_direct()
    {
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy("http://127.0.0.1:9") { BypassList = ["127\\.0\\.0\\.1"] };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy });
        h.Server.Enqueue(new MockResponse("direct"));

        using var response = await client.GetAsync(h.Url("/"));

        response.GetExchange().Route.Proxy.ShouldBeNull();
        h.Server.TakeRequest().RequestLine.ShouldBe("GET / HTTP/1.1");
    }
}
