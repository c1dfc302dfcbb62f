using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

/// <summary>
/// Key generation, signing and key attachment for <see cref="CertificateKeyAlgorithm"/>. Every
/// method here owns nothing it returns: callers dispose the keys they receive.
/// </summary>
internal static class CertificateKeys
{
    /// <summary>id-ecPublicKey (RFC 5480 section 2.1.1), the SubjectPublicKeyInfo algorithm of every EC key.</summary>
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>rsaEncryption (RFC 8017 appendix A.1), the SubjectPublicKeyInfo algorithm of RSA keys.</summary>
    internal const string RsaEncryptionOid = "1.2.840.113549.1.1.1";

    /// <summary>Creates a fresh key pair of the given kind.</summary>
    internal static AsymmetricAlgorithm Generate(CertificateKeyAlgorithm algorithm) => algorithm switch
    {
        CertificateKeyAlgorithm.Ecdsa256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        CertificateKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm."),
    };

    /// <summary>Names the key algorithm of a certificate's public key, or null for one we cannot hold.</summary>
    internal static CertificateKeyAlgorithm? FromPublicKeyOid(string? oid) => oid switch
    {
        EcPublicKeyOid => CertificateKeyAlgorithm.Ecdsa256,
        RsaEncryptionOid => CertificateKeyAlgorithm.Rsa2048,
        _ => null,
    };

    /// <summary>A request for <paramref name="subject"/> carrying the public half of <paramref name="key"/>.</summary>
    internal static CertificateRequest CreateRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}.", nameof(key)),
    };

    /// <summary>
    /// A signature generator for the issuer's key. The issuer's key decides the signature
    /// algorithm (an RSA CA signs an ECDSA leaf with sha256WithRSAEncryption), while the hash
    /// comes from the request (SHA-256 throughout).
    /// </summary>
    internal static X509SignatureGenerator CreateSignatureGenerator(AsymmetricAlgorithm issuerKey) => issuerKey switch
    {
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentException($"Unsupported key type {issuerKey.GetType().Name}.", nameof(issuerKey)),
    };

    /// <summary>Reads the private key back off a certificate that has one. The caller disposes it.</summary>
    internal static AsymmetricAlgorithm GetPrivateKey(X509Certificate2 certificate, CertificateKeyAlgorithm algorithm)
    {
        AsymmetricAlgorithm? key = algorithm switch
        {
            CertificateKeyAlgorithm.Ecdsa256 => certificate.GetECDsaPrivateKey(),
            CertificateKeyAlgorithm.Rsa2048 => certificate.GetRSAPrivateKey(),
            _ => null,
        };
        return key ?? throw new InvalidOperationException($"The certificate {certificate.Subject} has no {algorithm} private key.");
    }

    /// <summary>
    /// Returns a copy of <paramref name="certificate"/> bound to <paramref name="key"/>.
    /// Throws <see cref="ArgumentException"/> when the key does not match the certificate.
    /// </summary>
    /// <remarks>
    /// On Linux and macOS the copy works with <c>SslStream</c> as it is, so the hot path does no
    /// PKCS#12 round trip. SChannel on Windows cannot use an ephemeral (never persisted) key for
    /// a TLS server, so there alone the pair goes through an in-memory PFX.
    /// </remarks>
    internal static X509Certificate2 AttachPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        X509Certificate2 withKey = key switch
        {
            ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
            RSA rsa => certificate.CopyWithPrivateKey(rsa),
            _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}.", nameof(key)),
        };
        if (!OperatingSystem.IsWindows())
        {
            return withKey;
        }

        using (withKey)
        {
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);
        }
    }
}
