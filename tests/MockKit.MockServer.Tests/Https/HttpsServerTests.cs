using System.Security.Authentication;
using MockKit.MockServer.Tests.Support;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Https;

public sealed class HttpsServerTests
{
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    [Theory]
    [InlineData("127.0.0.1", null, false)]
    [InlineData("localhost", "localhost", false)]
    [InlineData("localhost", "localhost", true)]
    public async Task HttpClient_trusting_the_roots_gets_https_and_the_handshake_is_recorded(string host, string? sni, bool http11Only)
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        if (http11Only)
        {
            server.Protocols = [Protocol.Http11];
        }

        server.Enqueue(new MockResponse("secure"));
        using var client = new HttpClient(Localhost.CreateSocketsHttpHandler());

        var url = new UriBuilder(server.Url("/s")) { Host = host }.Uri;
        url.Scheme.ShouldBe("https");

        // Asking for HTTP/2 "or lower" makes HttpClient offer h2 and http/1.1 by ALPN; the server
        // prefers h2 unless its Protocols leave HTTP/2 out.
        using var message = new HttpRequestMessage(HttpMethod.Get, url)
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        using var response = await client.SendAsync(message);
        (await response.Content.ReadAsStringAsync()).ShouldBe("secure");
        response.Version.ShouldBe(http11Only ? System.Net.HttpVersion.Version11 : System.Net.HttpVersion.Version20);

        var request = server.TakeRequest();
        request.Url.ShouldBe(url);
        var handshake = request.Handshake.ShouldNotBeNull();
        handshake.TlsVersion.ShouldBeOneOf(SslProtocols.Tls12, SslProtocols.Tls13);
        handshake.ApplicationProtocol.ShouldBe(http11Only ? "http/1.1" : "h2", handshake.ToString());
        request.Protocol.ShouldBe(http11Only ? Protocol.Http11 : Protocol.Http2);
        handshake.ServerName.ShouldBe(sni);
        handshake.PeerCertificates.ShouldBeEmpty();
        handshake.LocalCertificates.ShouldHaveSingleItem().Thumbprint.ShouldBe(Localhost.HeldCertificate!.Certificate.Thumbprint);
    }

    [Fact]
    public async Task Curl_with_the_root_as_cacert_gets_https()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("curl over tls"));
        var caFile = await WriteRootAsync();

        var result = await ExternalProcess.CurlAsync("--http1.1", "--cacert", caFile, $"https://localhost:{server.Port}/c");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("curl over tls");
        server.TakeRequest().Handshake!.ServerName.ShouldBe("localhost");
    }

    [Fact]
    public async Task Curl_without_the_root_refuses_the_server()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("never"));

        var result = await ExternalProcess.CurlAsync("--http1.1", $"https://localhost:{server.Port}/");

        result.ExitCode.ShouldBe(60, result.ToString()); // CURLE_PEER_FAILED_VERIFICATION
        using var client = new HttpClient(Localhost.CreateSocketsHttpHandler());
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("never");
    }

    [Fact]
    public async Task Openssl_sees_the_alpn_choice()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Protocols = [Protocol.Http11];

        var result = await ExternalProcess.RunAsync(
            "openssl",
            ["s_client", "-connect", $"127.0.0.1:{server.Port}", "-alpn", "h2,http/1.1", "-servername", "localhost"],
            standardInput: string.Empty);

        (result.StandardOutput + result.StandardError).ShouldContain("ALPN protocol: http/1.1", customMessage: result.ToString());
    }

    [Fact]
    public async Task Without_negotiation_no_alpn_protocol_is_chosen()
    {
        await using var server = new MockWebServer { ProtocolNegotiationEnabled = false };
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("no alpn"));
        using var client = new HttpClient(Localhost.CreateSocketsHttpHandler());
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("no alpn");
        server.TakeRequest().Handshake!.ApplicationProtocol.ShouldBeNull();
    }

    [Fact]
    public async Task RequireClientAuth_rejects_a_client_without_a_trusted_certificate()
    {
        var (serverCertificates, clientCertificates, _) = MutualTls();
        await using var server = new MockWebServer();
        server.UseHttps(serverCertificates);
        server.RequireClientAuth();
        server.Enqueue(new MockResponse("mutual"));

        using (var anonymous = new HttpClient(Localhost.CreateSocketsHttpHandler()))
        {
            await Should.ThrowAsync<HttpRequestException>(() => anonymous.GetStringAsync(server.Url("/")));
        }

        using var authenticated = new HttpClient(clientCertificates.CreateSocketsHttpHandler());
        (await authenticated.GetStringAsync(server.Url("/"))).ShouldBe("mutual");
        var peer = server.TakeRequest().Handshake!.PeerCertificates;
        peer[0].Thumbprint.ShouldBe(clientCertificates.HeldCertificate!.Certificate.Thumbprint);
    }

    [Fact]
    public async Task RequestClientAuth_lets_an_anonymous_client_in_with_no_peer_certificates()
    {
        var (serverCertificates, clientCertificates, _) = MutualTls();
        await using var server = new MockWebServer();
        server.UseHttps(serverCertificates);
        server.RequestClientAuth();
        server.Enqueue(new MockResponse("anonymous"));
        server.Enqueue(new MockResponse("known"));

        using (var anonymous = new HttpClient(Localhost.CreateSocketsHttpHandler()))
        {
            (await anonymous.GetStringAsync(server.Url("/"))).ShouldBe("anonymous");
        }

        server.TakeRequest().Handshake!.PeerCertificates.ShouldBeEmpty();
        using var authenticated = new HttpClient(clientCertificates.CreateSocketsHttpHandler());
        (await authenticated.GetStringAsync(server.Url("/"))).ShouldBe("known");
        server.TakeRequest().Handshake!.PeerCertificates.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_client_certificate_shown_to_one_server_never_reaches_another_with_the_same_certificate()
    {
        // The runtime keeps one TLS context per server certificate chain for the whole process, so
        // two servers presenting the same chain share a session-ticket key. With resumption on, the
        // session opened at the server that asked for a client certificate resumed at the other one,
        // which then saw that certificate (and a server without a validation callback, like Kestrel,
        // failed the handshake on it). Servers in one test process must not share that state.
        await using var asking = new MockWebServer();
        asking.UseHttps(Localhost);
        asking.RequireClientAuth(); // Localhost trusts its own root, so its leaf is a valid client certificate.
        asking.Enqueue(new MockResponse("asked"));
        await asking.StartAsync();
        await using var other = new MockWebServer();
        other.UseHttps(Localhost);
        other.Enqueue(new MockResponse("not asked"));
        other.Enqueue(new MockResponse("still not asked"));
        await other.StartAsync();

        // A client that resumes whenever a server lets it (the runtime's default for SslStream).
        var tls = Localhost.ClientOptions("localhost");
        tls.AllowTlsResume = true;
        using var handler = new SocketsHttpHandler { SslOptions = tls, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler);

        (await client.GetStringAsync($"https://localhost:{asking.Port}/")).ShouldBe("asked");
        asking.TakeRequest().Handshake!.PeerCertificates[0].Thumbprint.ShouldBe(Localhost.HeldCertificate!.Certificate.Thumbprint);
        (await client.GetStringAsync($"https://localhost:{other.Port}/")).ShouldBe("not asked");
        (await client.GetStringAsync($"https://localhost:{other.Port}/")).ShouldBe("still not asked");
        other.TakeRequest().Handshake!.PeerCertificates.ShouldBeEmpty("this server never asked for a client certificate");
        other.TakeRequest().Handshake!.PeerCertificates.ShouldBeEmpty("nor on the next connection");
    }

    [Fact]
    public async Task Client_auth_without_tls_is_refused_at_start()
    {
        await using var server = new MockWebServer();
        server.RequireClientAuth();
        Should.Throw<InvalidOperationException>(() => server.Start()).Message.ShouldContain("UseHttps");
    }

    [Fact]
    public async Task FailHandshake_aborts_the_handshake_records_it_and_the_next_connection_is_served()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.FailHandshake });
        server.Enqueue(new MockResponse("after the failure"));
        using var handler = Localhost.CreateSocketsHttpHandler();
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        using var client = new HttpClient(handler);

        var e = await Should.ThrowAsync<HttpRequestException>(() => client.GetStringAsync(server.Url("/")));
        e.HttpRequestError.ShouldBe(HttpRequestError.SecureConnectionError);
        var entry = server.TakeRequest();
        entry.Method.ShouldBe(string.Empty);
        entry.Failure.ShouldBeOfType<SocketPolicyException>().Message.ShouldBe("FailHandshake: the TLS handshake was aborted.");

        (await client.GetStringAsync(server.Url("/"))).ShouldBe("after the failure");
    }

    [Fact]
    public async Task DisconnectAtStart_closes_before_the_handshake()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAtStart });
        await using var raw = await RawConnection.OpenAsync(server);
        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        server.TakeRequest().Failure.ShouldBeOfType<SocketPolicyException>();
    }

    [Fact]
    public async Task Plaintext_on_the_tls_port_gets_a_400_and_others_are_served()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("tls is fine"));
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 400 Bad Request\r\n");
        var recorded = server.TakeRequest();
        recorded.RequestLine.ShouldBe("GET /plain HTTP/1.1");
        recorded.Failure!.Message.ShouldBe("A plaintext HTTP request was sent to the TLS port.");
        using var client = new HttpClient(Localhost.CreateSocketsHttpHandler());
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("tls is fine");
    }

    [Fact]
    public async Task A_failed_handshake_never_stops_the_server()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = new MockWebServer { TrafficLog = lines.Enqueue };
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("still serving"));
        using (var distrustful = new HttpClient(new SocketsHttpHandler()))
        {
            // TLS 1.3: the client rejects the certificate after the server's side is done.
            await Should.ThrowAsync<HttpRequestException>(() => distrustful.GetStringAsync(server.Url("/")));
        }

        await using (var garbage = await RawConnection.OpenAsync(server))
        {
            // A handshake record header followed by nonsense: the server's handshake fails.
            await garbage.SendAsync([0x16, 0x03, 0x01, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]);
            (await garbage.IsClosedByPeerAsync()).ShouldBeTrue();
        }

        using var client = new HttpClient(Localhost.CreateSocketsHttpHandler());
        (await client.GetStringAsync(server.Url("/"))).ShouldBe("still serving");
        lines.ShouldContain(l => l.Contains("TLS handshake failed", StringComparison.Ordinal), string.Join("\n", lines));
    }

    [Fact]
    public async Task UpgradeToSslAtEnd_makes_the_server_an_https_proxy_for_HttpClient()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        server.Enqueue(new MockResponse("tunnelled"));
        using var handler = Localhost.CreateSocketsHttpHandler();
        handler.Proxy = server.ToProxy();
        handler.UseProxy = true;
        using var client = new HttpClient(handler);

        (await client.GetStringAsync($"https://localhost:{server.Port}/inside")).ShouldBe("tunnelled");

        var connect = server.TakeRequest();
        connect.Method.ShouldBe("CONNECT");
        connect.Target.ShouldBe($"localhost:{server.Port}");
        connect.SequenceNumber.ShouldBe(0);
        connect.Handshake.ShouldBeNull();
        var inside = server.TakeRequest();
        inside.RequestLine.ShouldBe("GET /inside HTTP/1.1");
        inside.SequenceNumber.ShouldBe(1);
        inside.ConnectionIndex.ShouldBe(connect.ConnectionIndex);
        inside.Url.ShouldBe(new Uri($"https://localhost:{server.Port}/inside"));
        inside.Handshake!.ServerName.ShouldBe("localhost");
    }

    [Fact]
    public async Task A_plaintext_connect_on_the_tls_port_is_served_even_when_a_407_comes_first()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n");

        (await raw.ReadResponseAsync()).ShouldStartWith("HTTP/1.1 407 Proxy Authentication Required\r\n");
        server.TakeRequest().ShouldSatisfyAllConditions(
            r => r.Method.ShouldBe("CONNECT"),
            r => r.Failure.ShouldBeNull());
    }

    [Fact]
    public async Task Curl_through_the_server_as_an_https_proxy_with_proxytunnel()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        server.Enqueue(new MockResponse("curl tunnel"));
        var caFile = await WriteRootAsync();

        var result = await ExternalProcess.CurlAsync(
            "--http1.1", "--cacert", caFile, "-x", server.ProxyAddress.ToString(), "--proxytunnel", $"https://localhost:{server.Port}/t");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("curl tunnel");
        server.TakeRequest().Method.ShouldBe("CONNECT");
        var inside = server.TakeRequest();
        (inside.Path, inside.SequenceNumber).ShouldBe(("/t", 1));
    }

    [Fact]
    public async Task UpgradeToSslAtEnd_without_certificates_fails_loudly_in_the_log()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = new MockWebServer { TrafficLog = lines.Enqueue };
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n");
        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 200 OK\r\n");
        lines.ShouldContain(l => l.Contains("UpgradeToSslAtEnd needs certificates", StringComparison.Ordinal));
    }

    private static async Task<string> WriteRootAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mockkit-root-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(path, Localhost.TrustedCertificates[0].ExportCertificatePem());
        return path;
    }

    /// <summary>A client CA and leaf; server certificates that present localhost and trust that CA.</summary>
    private static (HandshakeCertificates Server, HandshakeCertificates Client, HeldCertificate ClientRoot) MutualTls()
    {
        var clientRoot = new HeldCertificate.Builder().CommonName("client root").CertificateAuthority(0).Build();
        var clientLeaf = new HeldCertificate.Builder().CommonName("client").SignedBy(clientRoot).Build();
        var serverCertificates = new HandshakeCertificates.Builder()
            .HeldCertificate(Localhost.HeldCertificate!)
            .AddTrustedCertificate(clientRoot.Certificate)
            .Build();
        var clientCertificates = new HandshakeCertificates.Builder()
            .HeldCertificate(clientLeaf)
            .AddTrustedCertificate(Localhost.TrustedCertificates[0])
            .Build();
        return (serverCertificates, clientCertificates, clientRoot);
    }
}
