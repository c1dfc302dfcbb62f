using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

public sealed class HeldCertificatePemTests
{
    private static readonly byte[] Data = "signed by the decoded key"u8.ToArray();

    [Fact]
    public void Ecdsa_round_trips_through_pem_with_a_working_key()
    {
        var held = new HeldCertificate.Builder().CommonName("pem-ec").AddSubjectAlternativeName("localhost").Build();

        var decoded = HeldCertificate.Decode(held.CertificatePem() + held.PrivateKeyPkcs8Pem());

        decoded.Certificate.RawData.ShouldBe(held.Certificate.RawData);
        using var privateKey = decoded.Certificate.GetECDsaPrivateKey().ShouldNotBeNull();
        using var publicKey = held.Certificate.GetECDsaPublicKey().ShouldNotBeNull();
        publicKey.VerifyData(Data, privateKey.SignData(Data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256).ShouldBeTrue();
        decoded.PrivateKeyPkcs8Pem().ShouldBe(held.PrivateKeyPkcs8Pem());
    }

    [Fact]
    public void Rsa_round_trips_with_the_key_block_first()
    {
        var held = new HeldCertificate.Builder().CommonName("pem-rsa").Rsa2048().Build();

        var decoded = HeldCertificate.Decode("explanatory text is allowed\n" + held.PrivateKeyPkcs8Pem() + held.CertificatePem());

        decoded.Certificate.RawData.ShouldBe(held.Certificate.RawData);
        using var privateKey = decoded.Certificate.GetRSAPrivateKey().ShouldNotBeNull();
        using var publicKey = held.Certificate.GetRSAPublicKey().ShouldNotBeNull();
        var signature = privateKey.SignData(Data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        publicKey.VerifyData(Data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).ShouldBeTrue();
    }

    [Fact]
    public void Pem_has_the_expected_blocks()
    {
        var held = new HeldCertificate.Builder().Build();

        held.CertificatePem().ShouldStartWith("-----BEGIN CERTIFICATE-----\n");
        held.CertificatePem().ShouldEndWith("-----END CERTIFICATE-----\n");
        held.PrivateKeyPkcs8Pem().ShouldStartWith("-----BEGIN PRIVATE KEY-----\n");
        held.PrivateKeyPkcs8Pem().ShouldEndWith("-----END PRIVATE KEY-----\n");
    }

    [Fact]
    public void Missing_and_extra_blocks_are_named()
    {
        var held = new HeldCertificate.Builder().Build();

        Should.Throw<FormatException>(() => HeldCertificate.Decode(held.CertificatePem()))
            .Message.ShouldContain("found 1 and 0");
        Should.Throw<FormatException>(() => HeldCertificate.Decode(held.CertificatePem() + held.CertificatePem() + held.PrivateKeyPkcs8Pem()))
            .Message.ShouldContain("found 2 and 1");
        Should.Throw<FormatException>(() => HeldCertificate.Decode("no pem here"))
            .Message.ShouldContain("no PEM block at all");
    }

    [Fact]
    public void Other_key_formats_are_rejected_with_a_conversion_hint()
    {
        var held = new HeldCertificate.Builder().Build();
        using var key = held.Certificate.GetECDsaPrivateKey()!;

        Should.Throw<FormatException>(() => HeldCertificate.Decode(held.CertificatePem() + key.ExportECPrivateKeyPem()))
            .Message.ShouldContain("'EC PRIVATE KEY'");
    }

    [Fact]
    public void A_key_from_another_certificate_is_rejected()
    {
        var held = new HeldCertificate.Builder().Build();
        var other = new HeldCertificate.Builder().Build();
        var rsa = new HeldCertificate.Builder().Rsa2048().Build();

        Should.Throw<FormatException>(() => HeldCertificate.Decode(held.CertificatePem() + other.PrivateKeyPkcs8Pem()))
            .Message.ShouldContain("does not match");
        Should.Throw<FormatException>(() => HeldCertificate.Decode(held.CertificatePem() + rsa.PrivateKeyPkcs8Pem()))
            .Message.ShouldContain("is an RSA key but the certificate holds an ECDSA public key");
    }

    [Fact]
    public void Garbage_inside_blocks_is_rejected()
    {
        var held = new HeldCertificate.Builder().Build();
        var notACertificate = PemEncoding.WriteString("CERTIFICATE", [1, 2, 3, 4]) + "\n";
        var damaged = held.CertificatePem().Replace("-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\n!!", StringComparison.Ordinal);

        Should.Throw<FormatException>(() => HeldCertificate.Decode(notACertificate + held.PrivateKeyPkcs8Pem()))
            .Message.ShouldContain("not hold a DER-encoded X.509 certificate");
        Should.Throw<FormatException>(() => HeldCertificate.Decode(damaged + held.PrivateKeyPkcs8Pem()))
            .Message.ShouldContain("not well formed");
        Should.Throw<FormatException>(() => HeldCertificate.Decode(held.CertificatePem() + PemEncoding.WriteString("PRIVATE KEY", [5, 6]) + "\n"))
            .Message.ShouldContain("PKCS#8");
    }
}
