using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

public sealed class HeldCertificateArgumentTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void Not_after_before_not_before_is_rejected_naming_both()
    {
        var notBefore = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = new DateTimeOffset(2029, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var e = Should.Throw<ArgumentException>(() => new HeldCertificate.Builder().ValidityInterval(notBefore, notAfter));

        e.ParamName.ShouldBe("notAfter");
        e.Message.ShouldContain("2030-01-01");
        e.Message.ShouldContain("2029-01-01");
    }

    [Fact]
    public void Dates_x509_cannot_encode_are_rejected() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new HeldCertificate.Builder().ValidityInterval(DateTimeOffset.MinValue, Now))
            .ParamName.ShouldBe("notBefore");

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Serial_number_must_be_positive(long serial) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new HeldCertificate.Builder().SerialNumber(serial));

    [Fact]
    public void Path_length_must_not_be_negative() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new HeldCertificate.Builder().CertificateAuthority(-1));

    [Fact]
    public void Duration_must_be_positive() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new HeldCertificate.Builder().Duration(TimeSpan.Zero));

    [Fact]
    public void Names_must_fit_x520_bounds()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new HeldCertificate.Builder().CommonName(new string('a', 65)));
        Should.Throw<ArgumentException>(() => new HeldCertificate.Builder().OrganizationalUnit(" "));
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("010.0.0.1")]
    [InlineData("256.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("fe80::1%2")]
    [InlineData("1::2::3")]
    [InlineData("foo..example.com")]
    [InlineData("a*.example.com")]
    [InlineData("*")]
    [InlineData("-bad.example.com")]
    [InlineData("")]
    public void Malformed_subject_alternative_names_are_rejected(string name) =>
        Should.Throw<ArgumentException>(() => new HeldCertificate.Builder().AddSubjectAlternativeName(name))
            .ParamName.ShouldBe("name");

    [Fact]
    public void Issuer_must_be_a_certificate_authority()
    {
        var leaf = new HeldCertificate.Builder().CommonName("just a leaf").Build();

        var e = Should.Throw<ArgumentException>(() => new HeldCertificate.Builder().SignedBy(leaf));

        e.ParamName.ShouldBe("issuer");
        e.Message.ShouldContain("CN=just a leaf");
        e.Message.ShouldContain("not a certificate authority");
    }

    [Fact]
    public void Explicit_window_outside_the_issuers_is_issued_as_given()
    {
        // An expired or not-yet-valid leaf under a valid CA is a deliberate negative-test input.
        var root = new HeldCertificate.Builder()
            .CertificateAuthority(0)
            .ValidityInterval(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .Build();
        var notBefore = new DateTimeOffset(2030, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = new DateTimeOffset(2032, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var leaf = new HeldCertificate.Builder().SignedBy(root).ValidityInterval(notBefore, notAfter).Build();

        leaf.NotBefore.ShouldBe(notBefore);
        leaf.NotAfter.ShouldBe(notAfter);
        leaf.Certificate.Issuer.ShouldBe(root.Certificate.Subject);
    }

    [Fact]
    public void Explicit_duration_outliving_the_issuer_is_rejected()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(0).Duration(TimeSpan.FromHours(1)).Build();

        Should.Throw<ArgumentException>(new HeldCertificate.Builder().SignedBy(root).Duration(TimeSpan.FromHours(2)).Build)
            .Message.ShouldContain("not inside the issuer's");
    }

    [Fact]
    public void Ca_with_path_length_zero_cannot_sign_another_ca()
    {
        var root = new HeldCertificate.Builder().CertificateAuthority(0).Build();

        Should.Throw<ArgumentException>(new HeldCertificate.Builder().CertificateAuthority(0).SignedBy(root).Build)
            .Message.ShouldContain("path length 0");
    }
}
