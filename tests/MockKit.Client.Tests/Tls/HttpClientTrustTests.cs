using System.Security.Authentication;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

/// <summary>
/// <see cref="HandshakeCertificates.CreateSocketsHttpHandler"/> against Kestrel: checks that
/// SocketsHttpHandler really applies the trust we configure (our roots are in no system store,
/// so every success proves the custom trust is used) and still verifies host names.
/// </summary>
public sealed class HttpClientTrustTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Localhost_certificates_configure_both_kestrel_and_the_client(string host)
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var server = await KestrelHttpsServer.StartAsync(certificates);

        (await GetAsync(certificates, server.Url(host))).ShouldBe(KestrelHttpsServer.Body);
    }

    [Fact]
    public async Task Held_certificate_works_with_kestrels_own_UseHttps()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var server = await KestrelHttpsServer.StartAsync(certificates.HeldCertificate!.Certificate);

        (await GetAsync(certificates, server.Url("127.0.0.1"))).ShouldBe(KestrelHttpsServer.Body);
    }

    [Fact]
    public async Task Three_level_chain_served_with_its_intermediate_is_trusted()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(1).Build();
        var intermediate = new HeldCertificate.Builder().CertificateAuthority(0).SignedBy(root).Build();
        var leaf = new HeldCertificate.Builder().AddSubjectAlternativeName("127.0.0.1").Rsa2048().SignedBy(intermediate).Build();
        var serverCertificates = new HandshakeCertificates.Builder().HeldCertificate(leaf, intermediate.Certificate).Build();
        await using var server = await KestrelHttpsServer.StartAsync(serverCertificates);

        (await GetAsync(Trusting(root), server.Url("127.0.0.1"))).ShouldBe(KestrelHttpsServer.Body);
    }

    [Fact]
    public async Task Expired_leaf_is_rejected()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(0).ValidityInterval(Now.AddDays(-7), Now.AddDays(7)).Build();
        var leaf = new HeldCertificate.Builder()
            .AddSubjectAlternativeName("127.0.0.1")
            .ValidityInterval(Now.AddDays(-2), Now.AddDays(-1))
            .SignedBy(root)
            .Build();

        await ShouldRejectAsync(Trusting(root), leaf, "127.0.0.1");
    }

    [Fact]
    public async Task Leaf_for_another_host_is_rejected()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(0).Build();
        var leaf = new HeldCertificate.Builder().AddSubjectAlternativeName("example.com").AddSubjectAlternativeName("127.0.0.2").SignedBy(root).Build();

        await ShouldRejectAsync(Trusting(root), leaf, "127.0.0.1");
    }

    [Fact]
    public async Task Leaf_from_an_untrusted_root_is_rejected()
    {
        var trusted = new HeldCertificate.Builder().CommonName("trusted").CertificateAuthority(0).Build();
        var other = new HeldCertificate.Builder().CommonName("trusted").CertificateAuthority(0).Build();
        var leaf = new HeldCertificate.Builder().AddSubjectAlternativeName("127.0.0.1").SignedBy(other).Build();

        await ShouldRejectAsync(Trusting(trusted), leaf, "127.0.0.1");
    }

    [Fact]
    public async Task Nothing_trusted_means_nothing_accepted()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var server = await KestrelHttpsServer.StartAsync(certificates);

        await ShouldFailHandshakeAsync(new HandshakeCertificates.Builder().Build(), server.Url("127.0.0.1"));
    }

    [Fact]
    public async Task Platform_trust_adds_to_the_custom_roots_but_still_checks_names_and_roots()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(0).Build();
        var leaf = new HeldCertificate.Builder().AddSubjectAlternativeName("localhost").SignedBy(root).Build();
        var client = new HandshakeCertificates.Builder().AddTrustedCertificate(root.Certificate).AddPlatformTrustedCertificates().Build();
        await using var server = await KestrelHttpsServer.StartAsync(new HandshakeCertificates.Builder().HeldCertificate(leaf).Build());

        (await GetAsync(client, server.Url("localhost"))).ShouldBe(KestrelHttpsServer.Body);
        await ShouldFailHandshakeAsync(client, server.Url("127.0.0.1"));
        var stranger = new HandshakeCertificates.Builder().AddPlatformTrustedCertificates().Build();
        await ShouldFailHandshakeAsync(stranger, server.Url("localhost"));
    }

    [Fact]
    public async Task Insecure_host_accepts_any_certificate_for_that_host_only()
    {
        var untrusted = new HeldCertificate.Builder().AddSubjectAlternativeName("localhost").Build();
        var client = new HandshakeCertificates.Builder().AddInsecureHost("127.0.0.1").Build();
        await using var server = await KestrelHttpsServer.StartAsync(new HandshakeCertificates.Builder().HeldCertificate(untrusted).Build());

        (await GetAsync(client, server.Url("127.0.0.1"))).ShouldBe(KestrelHttpsServer.Body);
        await ShouldFailHandshakeAsync(client, server.Url("localhost"));
    }

    [Fact]
    public async Task Handler_presents_the_held_certificate_for_mutual_tls()
    {
        var clientRoot = new HeldCertificate.Builder().CertificateAuthority(0).Build();
        var clientLeaf = new HeldCertificate.Builder().CommonName("http client").SignedBy(clientRoot).Build();
        var localhost = HandshakeCertificates.Localhost();
        var serverCertificates = new HandshakeCertificates.Builder()
            .HeldCertificate(localhost.HeldCertificate!)
            .AddTrustedCertificate(clientRoot.Certificate)
            .Build();
        var client = new HandshakeCertificates.Builder()
            .HeldCertificate(clientLeaf)
            .AddTrustedCertificate(localhost.TrustedCertificates[0])
            .Build();
        await using var server = await KestrelHttpsServer.StartAsync(serverCertificates, requireClientCertificate: true);

        (await GetAsync(client, server.Url("localhost"))).ShouldBe("client CN=http client");

        // Without a client certificate the server ends the connection; with TLS 1.3 the client
        // may only notice when it reads, so the inner exception type varies. (Trust only:
        // Localhost() itself holds a certificate, which it would present.)
        var anonymous = new HandshakeCertificates.Builder().AddTrustedCertificate(localhost.TrustedCertificates[0]).Build();
        await Should.ThrowAsync<HttpRequestException>(() => GetAsync(anonymous, server.Url("localhost")));
    }

    [Theory]
    [InlineData("InstrumentedHandler")]
    [InlineData("SocketsHttpHandler")]
    public async Task A_session_opened_with_a_client_certificate_is_not_resumed_at_another_server(string client)
    {
        // The runtime caches client sessions per host name and client certificate (not per port),
        // and servers presenting the same certificate share one session-ticket key. A session in which
        // the client showed its certificate, resumed at a server that never asked for one, hands that
        // server the certificate: Kestrel then validated it against the system roots and failed the
        // handshake (PartialChain), which is how this first showed up, as a flake of the Kestrel
        // interop tests. The localhost certificates' clients make full handshakes only.
        var localhost = HandshakeCertificates.Localhost();
        var asking = new HandshakeCertificates.Builder()
            .HeldCertificate(localhost.HeldCertificate!)
            .AddTrustedCertificate(localhost.TrustedCertificates[0])
            .Build();
        await using var first = await KestrelHttpsServer.StartAsync(asking, requireClientCertificate: true, allowTlsResume: true);
        await using var second = await KestrelHttpsServer.StartAsync(localhost.HeldCertificate!.Certificate);
        using HttpMessageHandler handler = client == "InstrumentedHandler"
            ? new InstrumentedHandler { Certificates = localhost }
            : localhost.CreateSocketsHttpHandler();
        using var http = new HttpClient(handler);

        (await http.GetStringAsync(first.Url("localhost"))).ShouldBe($"client {localhost.HeldCertificate!.Certificate.Subject}");
        (await http.GetStringAsync(second.Url("localhost"))).ShouldBe(KestrelHttpsServer.Body);
    }

    private static HandshakeCertificates Trusting(HeldCertificate root) =>
        new HandshakeCertificates.Builder().AddTrustedCertificate(root.Certificate).Build();

    private static async Task ShouldRejectAsync(HandshakeCertificates client, HeldCertificate serverLeaf, string host)
    {
        await using var server = await KestrelHttpsServer.StartAsync(new HandshakeCertificates.Builder().HeldCertificate(serverLeaf).Build());
        await ShouldFailHandshakeAsync(client, server.Url(host));
    }

    private static async Task ShouldFailHandshakeAsync(HandshakeCertificates client, Uri url)
    {
        var e = await Should.ThrowAsync<HttpRequestException>(() => GetAsync(client, url));
        e.InnerException.ShouldBeOfType<AuthenticationException>();
    }

    private static async Task<string> GetAsync(HandshakeCertificates certificates, Uri url)
    {
        using var http = new HttpClient(certificates.CreateSocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(url);
    }
}
