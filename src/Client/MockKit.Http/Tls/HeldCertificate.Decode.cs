using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

public sealed partial class HeldCertificate
{
    private const string CertificateLabel = "CERTIFICATE";
    private const string PrivateKeyLabel = "PRIVATE KEY";

    /// <summary>
    /// Reads a held certificate from PEM text holding exactly one <c>CERTIFICATE</c> block and
    /// one unencrypted PKCS#8 <c>PRIVATE KEY</c> block, in either order (text between blocks is
    /// ignored, as RFC 7468 allows). The key may be ECDSA or RSA; its type is read from the
    /// PKCS#8 algorithm identifier. Thread-safe.
    /// </summary>
    /// <param name="pem">For example <c>held.CertificatePem() + held.PrivateKeyPkcs8Pem()</c>.</param>
    /// <returns>The certificate with its private key attached.</returns>
    /// <exception cref="FormatException">
    /// A block is missing, repeated or of another kind (such as <c>RSA PRIVATE KEY</c>), a block
    /// does not decode, or the key does not belong to the certificate.
    /// </exception>
    public static HeldCertificate Decode(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var (certificateDer, keyDer) = ReadBlocks(pem);

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        }
        catch (CryptographicException e)
        {
            throw new FormatException("The CERTIFICATE block does not hold a DER-encoded X.509 certificate.", e);
        }

        using (certificate)
        {
            var certificateAlgorithm = CertificateKeys.FromPublicKeyOid(certificate.PublicKey.Oid.Value)
                ?? throw new FormatException($"The certificate's public key algorithm {certificate.PublicKey.Oid.Value} is not ECDSA or RSA.");
            var keyAlgorithm = ReadPkcs8Algorithm(keyDer);
            if (keyAlgorithm != certificateAlgorithm)
            {
                throw new FormatException(
                    $"The PRIVATE KEY is an {Describe(keyAlgorithm)} key but the certificate holds an {Describe(certificateAlgorithm)} public key.");
            }

            using var key = ImportPkcs8(keyDer, keyAlgorithm);
            try
            {
                return new HeldCertificate(CertificateKeys.AttachPrivateKey(certificate, key), keyAlgorithm);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"The PRIVATE KEY does not match the public key of the certificate {certificate.Subject}.", e);
            }
        }
    }

    private static (byte[] Certificate, byte[] Key) ReadBlocks(string pem)
    {
        byte[]? certificate = null;
        byte[]? key = null;
        int certificates = 0, keys = 0;
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            var data = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            if (label.SequenceEqual(CertificateLabel))
            {
                certificates++;
                certificate = data;
            }
            else if (label.SequenceEqual(PrivateKeyLabel))
            {
                keys++;
                key = data;
            }
            else
            {
                // "RSA PRIVATE KEY" (PKCS#1) and "EC PRIVATE KEY" (RFC 5915) are common look-alikes.
                throw new FormatException(
                    $"Unexpected PEM block '{label}': expected one CERTIFICATE block and one unencrypted PKCS#8 PRIVATE KEY block (convert other key formats with `openssl pkcs8 -topk8 -nocrypt`).");
            }

            rest = rest[fields.Location.End..];
        }

        if (certificates != 1 || keys != 1)
        {
            throw new FormatException(
                $"Expected exactly one CERTIFICATE block and one PRIVATE KEY block but found {certificates} and {keys}{DamagedBlockHint(pem)}.");
        }

        return (certificate!, key!);
    }

    private static string DamagedBlockHint(string pem) =>
        pem.Contains("-----BEGIN", StringComparison.Ordinal)
            ? " (text that starts like a PEM block but is not well formed, such as damaged base64 or mismatched BEGIN/END labels, is not counted)"
            : " (the text holds no PEM block at all)";

    private static CertificateKeyAlgorithm ReadPkcs8Algorithm(byte[] der)
    {
        // RFC 5208 section 5: PrivateKeyInfo ::= SEQUENCE { version INTEGER,
        //   privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, ... }
        string oid;
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var privateKeyInfo = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            _ = privateKeyInfo.ReadInteger();
            oid = privateKeyInfo.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The PRIVATE KEY block is not a DER-encoded PKCS#8 PrivateKeyInfo.", e);
        }

        return CertificateKeys.FromPublicKeyOid(oid)
            ?? throw new FormatException($"The PRIVATE KEY algorithm {oid} is not ECDSA ({CertificateKeys.EcPublicKeyOid}) or RSA ({CertificateKeys.RsaEncryptionOid}).");
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] der, CertificateKeyAlgorithm algorithm)
    {
        AsymmetricAlgorithm key = algorithm == CertificateKeyAlgorithm.Rsa2048 ? RSA.Create() : ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(der, out _);
            return key;
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new FormatException($"The PRIVATE KEY block does not hold a valid {Describe(algorithm)} key.", e);
        }
    }

    private static string Describe(CertificateKeyAlgorithm algorithm) =>
        algorithm == CertificateKeyAlgorithm.Rsa2048 ? "RSA" : "ECDSA";
}
