using System.Net;
using System.Security.Cryptography.X509Certificates;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

public sealed class HeldCertificateBuilderTests
{
    private const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";
    private const string Sha256WithRsaOid = "1.2.840.113549.1.1.11";

    [Fact]
    public void Names_and_subject_alternative_names_are_encoded()
    {
        var held = new HeldCertificate.Builder()
            .CommonName("cash.app")
            .OrganizationalUnit("engineering")
            .AddSubjectAlternativeName("cash.app")
            .AddSubjectAlternativeName("*.example.com")
            .AddSubjectAlternativeName("192.168.1.17")
            .AddSubjectAlternativeName("2001:db8::7")
            .Build();

        var certificate = held.Certificate;
        certificate.SubjectAttribute(CertificateInspection.CommonNameOid).ShouldBe(["cash.app"]);
        certificate.SubjectAttribute(CertificateInspection.OrganizationalUnitOid).ShouldBe(["engineering"]);
        certificate.Subject.ShouldBe("CN=cash.app, OU=engineering");
        var names = certificate.Extension<X509SubjectAlternativeNameExtension>();
        names.Critical.ShouldBeFalse();
        names.EnumerateDnsNames().ShouldBe(["cash.app", "*.example.com"]);
        names.EnumerateIPAddresses().ShouldBe([IPAddress.Parse("192.168.1.17"), IPAddress.Parse("2001:db8::7")]);
    }

    [Fact]
    public void Defaults_are_a_guid_name_ecdsa_leaf_valid_from_a_minute_ago_for_a_day()
    {
        var before = DateTimeOffset.UtcNow;
        var held = new HeldCertificate.Builder().Build();
        var after = DateTimeOffset.UtcNow;

        var certificate = held.Certificate;
        Guid.TryParse(certificate.SubjectAttribute(CertificateInspection.CommonNameOid).Single(), out _).ShouldBeTrue();
        certificate.Extensions[CertificateInspection.AuthorityKeyIdentifierOid].ShouldBeNull();
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().ShouldBeEmpty();
        certificate.HasPrivateKey.ShouldBeTrue();
        certificate.GetECDsaPublicKey().ShouldNotBeNull().KeySize.ShouldBe(256);
        certificate.SignatureAlgorithm.Value.ShouldBe(EcdsaWithSha256Oid);
        certificate.Issuer.ShouldBe(certificate.Subject);

        // Whole seconds: the encoding drops fractions, so allow one second each side.
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        notBefore.ShouldBeInRange(before.AddMinutes(-1).AddSeconds(-1), after.AddMinutes(-1));
        notAfter.ShouldBeInRange(before.AddHours(24).AddSeconds(-1), after.AddHours(24));

        // A random positive serial: the DER INTEGER's first octet has its sign bit clear.
        certificate.SerialNumberBytes.Span[0].ShouldBeLessThan((byte)0x80);
    }

    [Fact]
    public void Leaf_profile_is_not_a_ca_and_is_good_for_server_and_client_auth()
    {
        var certificate = new HeldCertificate.Builder().Build().Certificate;

        var basic = certificate.Extension<X509BasicConstraintsExtension>();
        basic.CertificateAuthority.ShouldBeFalse();
        basic.Critical.ShouldBeTrue();
        var usage = certificate.Extension<X509KeyUsageExtension>();
        usage.KeyUsages.ShouldBe(X509KeyUsageFlags.DigitalSignature);
        usage.Critical.ShouldBeTrue();
        certificate.Extension<X509EnhancedKeyUsageExtension>().EnhancedKeyUsages
            .Cast<System.Security.Cryptography.Oid>().Select(oid => oid.Value)
            .ShouldBe(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
        certificate.Extension<X509SubjectKeyIdentifierExtension>().Critical.ShouldBeFalse();
    }

    [Fact]
    public void Rsa2048_makes_an_rsa_key_signed_with_sha256_and_allows_key_encipherment()
    {
        var certificate = new HeldCertificate.Builder().Rsa2048().Build().Certificate;

        certificate.GetRSAPublicKey().ShouldNotBeNull().KeySize.ShouldBe(2048);
        certificate.GetRSAPrivateKey().ShouldNotBeNull();
        certificate.SignatureAlgorithm.Value.ShouldBe(Sha256WithRsaOid);
        certificate.Extension<X509KeyUsageExtension>().KeyUsages
            .ShouldBe(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment);
    }

    [Fact]
    public void Validity_interval_and_serial_number_are_used_as_given()
    {
        var notBefore = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var notAfter = new DateTimeOffset(2060, 6, 7, 8, 9, 10, TimeSpan.Zero);

        var certificate = new HeldCertificate.Builder()
            .ValidityInterval(notBefore, notAfter)
            .SerialNumber(0x0123456789ABCDEF)
            .Build().Certificate;

        certificate.NotBefore.ToUniversalTime().ShouldBe(notBefore.UtcDateTime);
        certificate.NotAfter.ToUniversalTime().ShouldBe(notAfter.UtcDateTime);
        certificate.SerialNumber.ShouldBe("0123456789ABCDEF");
    }

    [Fact]
    public void Expired_and_not_yet_valid_windows_can_be_built()
    {
        var now = DateTimeOffset.UtcNow;

        var expired = new HeldCertificate.Builder().ValidityInterval(now.AddDays(-2), now.AddDays(-1)).Build();
        var future = new HeldCertificate.Builder().ValidityInterval(now.AddDays(1), now.AddDays(2)).Build();

        expired.Certificate.NotAfter.ShouldBeLessThan(now.UtcDateTime);
        future.Certificate.NotBefore.ShouldBeGreaterThan(now.UtcDateTime);
    }

    [Fact]
    public void Duration_counts_from_now()
    {
        var before = DateTimeOffset.UtcNow;
        var certificate = new HeldCertificate.Builder().Duration(TimeSpan.FromDays(3)).Build().Certificate;

        new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ShouldBeGreaterThanOrEqualTo(before.AddDays(3).AddSeconds(-1));
        certificate.NotBefore.ToUniversalTime().ShouldBeLessThanOrEqualTo(before.UtcDateTime);
    }

    [Fact]
    public void Certificate_authority_has_critical_basic_constraints_with_path_length_and_cert_sign_usage()
    {
        var certificate = new HeldCertificate.Builder().CertificateAuthority(2).Build().Certificate;

        var basic = certificate.Extension<X509BasicConstraintsExtension>();
        basic.CertificateAuthority.ShouldBeTrue();
        basic.HasPathLengthConstraint.ShouldBeTrue();
        basic.PathLengthConstraint.ShouldBe(2);
        basic.Critical.ShouldBeTrue();
        var usage = certificate.Extension<X509KeyUsageExtension>();
        usage.KeyUsages.ShouldBe(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign);
        usage.Critical.ShouldBeTrue();
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ShouldBeEmpty();
    }

    [Fact]
    public void Three_level_chain_links_issuers_subjects_and_key_identifiers()
    {
        var root = new HeldCertificate.Builder().CommonName("root").CertificateAuthority(1).Build();
        var intermediate = new HeldCertificate.Builder().CommonName("intermediate").CertificateAuthority(0).SignedBy(root).Build();
        var leaf = new HeldCertificate.Builder().CommonName("leaf").Rsa2048().SignedBy(intermediate).Build();

        root.Certificate.Issuer.ShouldBe("CN=root");
        intermediate.Certificate.Issuer.ShouldBe(root.Certificate.Subject);
        leaf.Certificate.Issuer.ShouldBe(intermediate.Certificate.Subject);

        root.Certificate.AuthorityKeyIdentifier().ShouldBeNull();
        AuthorityKeyId(intermediate).ShouldBe(SubjectKeyId(root));
        AuthorityKeyId(leaf).ShouldBe(SubjectKeyId(intermediate));
        AuthorityKeyId(leaf).ShouldNotBe(SubjectKeyId(leaf));

        // The issuer's key decides the signature algorithm: an ECDSA CA signs the RSA leaf.
        leaf.Certificate.SignatureAlgorithm.Value.ShouldBe(EcdsaWithSha256Oid);
        leaf.Certificate.GetRSAPublicKey().ShouldNotBeNull();

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(root.Certificate);
        chain.ChainPolicy.ExtraStore.Add(intermediate.Certificate);
        chain.Build(leaf.Certificate).ShouldBeTrue(string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
        chain.ChainElements.Select(e => e.Certificate.Thumbprint)
            .ShouldBe([leaf.Certificate.Thumbprint, intermediate.Certificate.Thumbprint, root.Certificate.Thumbprint]);
    }

    [Fact]
    public void Default_window_of_an_issued_certificate_fits_inside_a_default_issuer()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(0).Build();
        var leaf = new HeldCertificate.Builder().SignedBy(root).Build();

        leaf.Certificate.NotBefore.ShouldBeGreaterThanOrEqualTo(root.Certificate.NotBefore);
        leaf.Certificate.NotAfter.ShouldBeLessThanOrEqualTo(root.Certificate.NotAfter);
    }

    private static string SubjectKeyId(HeldCertificate held) =>
        held.Certificate.Extension<X509SubjectKeyIdentifierExtension>().SubjectKeyIdentifier!;

    private static string AuthorityKeyId(HeldCertificate held) =>
        Convert.ToHexString(held.Certificate.AuthorityKeyIdentifier().ShouldNotBeNull().KeyIdentifier!.Value.Span);
}
