using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

/// <summary>
/// A certificate plus its private key: what a TLS server presents, what a client presents for
/// mutual TLS, or a certificate authority that signs other held certificates. Create one with
/// <see cref="Builder"/> or read one with <see cref="Decode(string)"/>.
/// </summary>
/// <remarks>
/// Immutable and safe to share between threads. <see cref="Certificate"/> is shared, not
/// copied: do not dispose it while this object is in use.
/// </remarks>
public sealed partial class HeldCertificate
{
    private HeldCertificate(X509Certificate2 certificate, CertificateKeyAlgorithm keyAlgorithm)
    {
        Certificate = certificate;
        KeyAlgorithm = keyAlgorithm;
        NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        var basicConstraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (basicConstraints is { CertificateAuthority: true })
        {
            MaxIntermediateCas = basicConstraints.HasPathLengthConstraint ? basicConstraints.PathLengthConstraint : int.MaxValue;
        }

        SubjectKeyIdentifier = CertificateProfile.SubjectKeyIdentifierOf(certificate);
    }

    /// <summary>
    /// The certificate, with its private key attached, ready for <c>SslStream</c>,
    /// <c>SslStreamCertificateContext</c> or Kestrel's <c>UseHttps</c>. Do not dispose it.
    /// </summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The type of the key pair.</summary>
    internal CertificateKeyAlgorithm KeyAlgorithm { get; }

    /// <summary>The start of the validity window (UTC, whole seconds as encoded).</summary>
    internal DateTimeOffset NotBefore { get; }

    /// <summary>The end of the validity window (UTC, whole seconds as encoded).</summary>
    internal DateTimeOffset NotAfter { get; }

    /// <summary>The CA's path length constraint; null for a certificate that may not issue.</summary>
    internal int? MaxIntermediateCas { get; }

    /// <summary>The key identifier that certificates issued by this one name as their authority.</summary>
    internal X509SubjectKeyIdentifierExtension SubjectKeyIdentifier { get; }

    /// <summary>Whether the key usage extension, when present, allows signing certificates (RFC 5280 section 4.2.1.3).</summary>
    internal bool MaySignCertificates
    {
        get
        {
            if (MaxIntermediateCas is null)
            {
                return false;
            }

            var usage = Certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            return usage is null || (usage.KeyUsages & X509KeyUsageFlags.KeyCertSign) != 0;
        }
    }

    /// <summary>The validity window as text, for error messages.</summary>
    internal string ValidityText => $"[{NotBefore:O} .. {NotAfter:O}]";

    /// <summary>The certificate in PEM form: one <c>CERTIFICATE</c> block, ending with a newline.</summary>
    /// <returns>RFC 7468 text; concatenate it with <see cref="PrivateKeyPkcs8Pem"/> for <see cref="Decode(string)"/>.</returns>
    public string CertificatePem() => Certificate.ExportCertificatePem() + "\n";

    /// <summary>The private key as an unencrypted PKCS#8 <c>PRIVATE KEY</c> PEM block, ending with a newline.</summary>
    /// <returns>RFC 7468 text. It is a secret only in tests: never use these keys for anything real.</returns>
    public string PrivateKeyPkcs8Pem()
    {
        using var key = CertificateKeys.GetPrivateKey(Certificate, KeyAlgorithm);
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <inheritdoc />
    public override string ToString() => $"{Certificate.Subject} {KeyAlgorithm} {ValidityText}";

    private static X509Certificate2 Sign(
        CertificateRequest request,
        X500DistinguishedName issuerName,
        AsymmetricAlgorithm issuerKey,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        long serialNumber)
    {
        Span<byte> serial = stackalloc byte[sizeof(long)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(serial, serialNumber);

        // The serial is positive, so its big-endian bytes are the unsigned integer the DER
        // encoding wants; CertificateRequest strips the leading zero octets (RFC 5280 4.1.2.2).
        return request.Create(issuerName, CertificateKeys.CreateSignatureGenerator(issuerKey), notBefore, notAfter, serial);
    }
}
