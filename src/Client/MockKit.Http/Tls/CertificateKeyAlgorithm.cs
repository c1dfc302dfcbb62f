namespace MockKit.Tls;

/// <summary>The key types a <see cref="HeldCertificate"/> can hold, and what each implies.</summary>
internal enum CertificateKeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256 (secp256r1), signing with SHA-256.</summary>
    Ecdsa256,

    /// <summary>RSA with a 2048-bit modulus, signing with SHA-256 and PKCS#1 v1.5 padding.</summary>
    Rsa2048,
}
