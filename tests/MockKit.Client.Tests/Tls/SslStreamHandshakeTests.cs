using System.Security.Authentication;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

/// <summary>Server and client options on both ends of raw loopback SslStream pairs, mutual TLS included.</summary>
public sealed class SslStreamHandshakeTests
{
    private static readonly HeldCertificate ClientRoot = new HeldCertificate.Builder().CommonName("client root").CertificateAuthority(1).Duration(TimeSpan.FromDays(2)).Build();

    [Fact]
    public void Localhost_is_created_once_per_process()
    {
        var first = HandshakeCertificates.Localhost();

        HandshakeCertificates.Localhost().ShouldBeSameAs(first);
        var leaf = first.HeldCertificate.ShouldNotBeNull().Certificate;
        var names = leaf.Extension<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>();
        names.EnumerateDnsNames().ShouldBe(["localhost"]);
        names.EnumerateIPAddresses().ShouldBe([System.Net.IPAddress.Loopback, System.Net.IPAddress.IPv6Loopback]);
        first.TrustedCertificates.Single().Subject.ShouldBe(leaf.Issuer);
        first.Intermediates.ShouldBeEmpty();
        leaf.NotAfter.ShouldBeGreaterThan(DateTime.Now.AddDays(1));

        // The uncached factory makes a new set every time.
        HandshakeCertificates.CreateLocalhost().ShouldNotBeSameAs(first);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Localhost_configures_both_ends_of_one_connection(string host)
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var pair = await LoopbackTlsPair.ConnectAsync();

        var (server, client) = await pair.HandshakeAsync(certificates.ServerOptions(), certificates.ClientOptions(host));

        server.ShouldBeNull();
        client.ShouldBeNull();
        (await pair.ExchangeAsync()).ShouldBeNull();
        pair.Client.RemoteCertificate.ShouldNotBeNull().GetCertHashString()
            .ShouldBe(certificates.HeldCertificate!.Certificate.GetCertHashString());
    }

    [Fact]
    public async Task Client_options_verify_the_host_name()
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var pair = await LoopbackTlsPair.ConnectAsync();

        var (_, client) = await pair.HandshakeAsync(certificates.ServerOptions(), certificates.ClientOptions("example.com"));

        client.ShouldBeOfType<AuthenticationException>();
    }

    [Fact]
    public async Task Insecure_host_in_client_options_accepts_an_untrusted_certificate()
    {
        var certificates = HandshakeCertificates.Localhost();
        var client = new HandshakeCertificates.Builder().AddInsecureHost("example.com").Build();
        await using var pair = await LoopbackTlsPair.ConnectAsync();

        var (serverError, clientError) = await pair.HandshakeAsync(certificates.ServerOptions(), client.ClientOptions("example.com"));

        serverError.ShouldBeNull();
        clientError.ShouldBeNull();
    }

    [Fact]
    public async Task Mutual_tls_validates_the_client_chain_and_reports_it_leaf_first()
    {
        var intermediate = new HeldCertificate.Builder().CommonName("client intermediate").CertificateAuthority(0).SignedBy(ClientRoot).Build();
        var clientLeaf = new HeldCertificate.Builder().CommonName("client leaf").SignedBy(intermediate).Build();
        var server = ServerTrusting(ClientRoot);
        var client = new HandshakeCertificates.Builder()
            .HeldCertificate(clientLeaf, intermediate.Certificate)
            .AddTrustedCertificate(HandshakeCertificates.Localhost().TrustedCertificates[0])
            .Build();
        ClientCertificateValidation? validation = null;
        var serverOptions = server.ServerOptions();
        serverOptions.ClientCertificateRequired = true;
        serverOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            validation = server.ValidateClientCertificate(certificate, chain, required: true);
            return validation.IsAccepted;
        };
        await using var pair = await LoopbackTlsPair.ConnectAsync();

        var (serverError, clientError) = await pair.HandshakeAsync(serverOptions, client.ClientOptions("localhost"));

        serverError.ShouldBeNull();
        clientError.ShouldBeNull();
        (await pair.ExchangeAsync()).ShouldBeNull();
        validation.ShouldNotBeNull().Failure.ShouldBeNull();
        validation.Chain.Select(c => c.Subject).ShouldBe(["CN=client leaf", "CN=client intermediate", "CN=client root"]);
        pair.Server.RemoteCertificate.ShouldNotBeNull().GetCertHashString().ShouldBe(clientLeaf.Certificate.GetCertHashString());
    }

    [Fact]
    public async Task Mutual_tls_rejects_a_client_certificate_from_an_untrusted_root()
    {
        var stranger = new HeldCertificate.Builder().CommonName("client root").CertificateAuthority(0).Build();
        var clientLeaf = new HeldCertificate.Builder().SignedBy(stranger).Build();
        var serverOptions = ServerTrusting(ClientRoot).ServerOptions();
        serverOptions.ClientCertificateRequired = true;
        await using var pair = await LoopbackTlsPair.ConnectAsync();

        var (serverError, clientError) = await pair.HandshakeAsync(serverOptions, LocalhostClientPresenting(clientLeaf).ClientOptions("localhost"));

        serverError.ShouldBeOfType<AuthenticationException>();

        // With TLS 1.3 the client finishes before the server judges its certificate, so the
        // client learns of the rejection on its first read instead.
        (clientError ?? await pair.ExchangeAsync()).ShouldNotBeNull();
    }

    [Fact]
    public async Task Required_client_certificate_that_is_missing_is_rejected()
    {
        var serverOptions = ServerTrusting(ClientRoot).ServerOptions();
        serverOptions.ClientCertificateRequired = true;
        await using var pair = await LoopbackTlsPair.ConnectAsync();

        // Trust only: Localhost() itself holds a certificate and would present it when asked.
        var anonymous = new HandshakeCertificates.Builder().AddTrustedCertificate(HandshakeCertificates.Localhost().TrustedCertificates[0]).Build();

        var (serverError, clientError) = await pair.HandshakeAsync(serverOptions, anonymous.ClientOptions("localhost"));

        serverError.ShouldBeOfType<AuthenticationException>();
        (clientError ?? await pair.ExchangeAsync()).ShouldNotBeNull();
        pair.Client.LocalCertificate.ShouldBeNull();
    }

    [Fact]
    public void Validation_helper_reports_a_missing_optional_certificate_as_accepted()
    {
        var server = ServerTrusting(ClientRoot);

        var accepted = server.ValidateClientCertificate(null, null, required: false);
        accepted.IsAccepted.ShouldBeTrue();
        accepted.Chain.ShouldBeEmpty();
        accepted.Failure.ShouldBeNull();
        var rejected = server.ValidateClientCertificate(null, null, required: true);
        rejected.IsAccepted.ShouldBeFalse();
        rejected.Failure.ShouldNotBeNull().ShouldContain("no certificate");
    }

    [Fact]
    public void Server_options_need_a_held_certificate() =>
        Should.Throw<InvalidOperationException>(() => new HandshakeCertificates.Builder().Build().ServerOptions());

    private static HandshakeCertificates ServerTrusting(HeldCertificate clientRoot) =>
        new HandshakeCertificates.Builder()
            .HeldCertificate(HandshakeCertificates.Localhost().HeldCertificate!)
            .AddTrustedCertificate(clientRoot.Certificate)
            .Build();

    private static HandshakeCertificates LocalhostClientPresenting(HeldCertificate clientLeaf) =>
        new HandshakeCertificates.Builder()
            .HeldCertificate(clientLeaf)
            .AddTrustedCertificate(HandshakeCertificates.Localhost().TrustedCertificates[0])
            .Build();
}
