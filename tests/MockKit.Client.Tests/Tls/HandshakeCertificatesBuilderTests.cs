using System.Security.Cryptography.X509Certificates;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

public sealed class HandshakeCertificatesBuilderTests
{
    private static readonly HeldCertificate Root = new HeldCertificate.Builder().CommonName("builder root").CertificateAuthority(1).Build();
    private static readonly HeldCertificate Intermediate = new HeldCertificate.Builder().CommonName("builder intermediate").CertificateAuthority(0).SignedBy(Root).Build();
    private static readonly HeldCertificate Leaf = new HeldCertificate.Builder().CommonName("builder leaf").SignedBy(Intermediate).Build();

    [Fact]
    public void Defaults_present_and_trust_nothing()
    {
        var certificates = new HandshakeCertificates.Builder().Build();

        certificates.HeldCertificate.ShouldBeNull();
        certificates.Intermediates.ShouldBeEmpty();
        certificates.TrustedCertificates.ShouldBeEmpty();
        certificates.IncludesPlatformTrustedCertificates.ShouldBeFalse();
        certificates.InsecureHosts.ShouldBeEmpty();
    }

    [Fact]
    public void Built_sets_reflect_the_builder_and_ignore_its_later_changes()
    {
        var builder = new HandshakeCertificates.Builder()
            .HeldCertificate(Leaf, Intermediate.Certificate)
            .AddTrustedCertificate(Root.Certificate)
            .AddPlatformTrustedCertificates()
            .AddInsecureHost("Example.COM")
            .AddInsecureHost("[::1]");

        var certificates = builder.Build();
        builder.AddTrustedCertificate(Leaf.Certificate).AddInsecureHost("other.example");

        certificates.HeldCertificate.ShouldBeSameAs(Leaf);
        certificates.Intermediates.ShouldBe([Intermediate.Certificate]);
        certificates.TrustedCertificates.ShouldBe([Root.Certificate]);
        certificates.IncludesPlatformTrustedCertificates.ShouldBeTrue();
        certificates.InsecureHosts.Count.ShouldBe(2);
        certificates.IsInsecureHost("example.com").ShouldBeTrue();
        certificates.IsInsecureHost("::1").ShouldBeTrue();
        certificates.IsInsecureHost("other.example").ShouldBeFalse();
        Should.Throw<NotSupportedException>(() => ((ISet<string>)certificates.InsecureHosts).Add("sneaky"));
    }

    [Fact]
    public void Arguments_are_validated()
    {
        var builder = new HandshakeCertificates.Builder();

        Should.Throw<ArgumentNullException>(() => builder.HeldCertificate(null!));
        Should.Throw<ArgumentException>(() => builder.HeldCertificate(Leaf, [null!])).ParamName.ShouldBe("intermediates");
        Should.Throw<ArgumentNullException>(() => builder.AddTrustedCertificate(null!));
        Should.Throw<ArgumentException>(() => builder.AddInsecureHost(" "));
        Should.Throw<ArgumentException>(() => builder.Build().ClientOptions(""));
    }

    [Fact]
    public void Client_options_trust_exactly_the_roots_and_offer_the_held_certificate()
    {
        var certificates = new HandshakeCertificates.Builder().HeldCertificate(Leaf).AddTrustedCertificate(Root.Certificate).Build();

        var options = certificates.ClientOptions("[::1]");

        options.TargetHost.ShouldBe("::1");
        options.RemoteCertificateValidationCallback.ShouldBeNull();
        options.ClientCertificateContext.ShouldNotBeNull().TargetCertificate.ShouldBeSameAs(Leaf.Certificate);
        var policy = options.CertificateChainPolicy.ShouldNotBeNull();
        policy.TrustMode.ShouldBe(X509ChainTrustMode.CustomRootTrust);
        policy.RevocationMode.ShouldBe(X509RevocationMode.NoCheck);
        policy.CustomTrustStore.Cast<X509Certificate2>().ShouldBe([Root.Certificate]);
        certificates.ClientOptions("localhost").CertificateChainPolicy.ShouldNotBeSameAs(policy);
        options.AllowTlsResume.ShouldBeFalse("sessions are cached per host, not per server (see ServerOptions remarks)");
        using var sockets = certificates.CreateSocketsHttpHandler();
        sockets.SslOptions.AllowTlsResume.ShouldBeFalse();
    }

    [Fact]
    public void Server_options_send_the_intermediates()
    {
        var certificates = new HandshakeCertificates.Builder().HeldCertificate(Leaf, Intermediate.Certificate).Build();

        var context = certificates.ServerOptions().ServerCertificateContext.ShouldNotBeNull();

        context.TargetCertificate.ShouldBeSameAs(Leaf.Certificate);
        context.IntermediateCertificates.Select(c => c.Subject).ShouldContain("CN=builder intermediate");
        certificates.ServerOptions().ClientCertificateRequired.ShouldBeFalse();
        certificates.ServerOptions().AllowTlsResume.ShouldBeFalse("servers with one certificate share the runtime's session-ticket key");
    }
}
