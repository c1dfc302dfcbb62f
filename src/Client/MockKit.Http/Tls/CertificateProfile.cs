using System.Collections.ObjectModel;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

/// <summary>
/// The X.509 v3 extensions a <see cref="HeldCertificate"/> carries. Two profiles: a
/// certificate authority that may only sign certificates, and a TLS leaf usable by either
/// end of a connection. Each rule cites the RFC 5280 section that motivates it.
/// </summary>
internal static class CertificateProfile
{
    /// <summary>id-kp-serverAuth (RFC 5280 section 4.2.1.12).</summary>
    internal const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth (RFC 5280 section 4.2.1.12).</summary>
    internal const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Adds the extensions for a certificate with the given shape to <paramref name="extensions"/>.</summary>
    /// <param name="extensions">The request's extension list.</param>
    /// <param name="subjectKeyIdentifier">The subject's key identifier, computed from its public key.</param>
    /// <param name="keyAlgorithm">The subject's key type; RSA leaves also allow key encipherment.</param>
    /// <param name="maxIntermediateCas">The path length of a CA, or null for a leaf.</param>
    /// <param name="alternativeNames">The subjectAltName entries; none adds no extension.</param>
    /// <param name="issuerKeyIdentifier">The issuer's key identifier, or null when self-signed.</param>
    internal static void AddExtensions(
        Collection<X509Extension> extensions,
        X509SubjectKeyIdentifierExtension subjectKeyIdentifier,
        CertificateKeyAlgorithm keyAlgorithm,
        int? maxIntermediateCas,
        IReadOnlyList<SubjectAlternativeName> alternativeNames,
        X509SubjectKeyIdentifierExtension? issuerKeyIdentifier)
    {
        if (maxIntermediateCas is { } pathLength)
        {
            // 4.2.1.9: a CA "MUST include this extension in all CA certificates that contain
            // public keys used to validate digital signatures on certificates and MUST mark
            // the extension as critical"; pathLenConstraint is the number of non-self-issued
            // intermediate CAs that may follow this one in a path.
            extensions.Add(new X509BasicConstraintsExtension(
                certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: pathLength, critical: true));

            // 4.2.1.3: keyCertSign for a key that verifies certificate signatures, cRLSign for
            // CRLs; "conforming CAs SHOULD mark this extension as critical".
            extensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        }
        else
        {
            // 4.2.1.9: the extension "MAY appear as a critical or non-critical extension in end
            // entity certificates". Stating cA=FALSE explicitly, and critically, stops a leaf
            // from ever being accepted as an issuer by a validator with loose defaults.
            extensions.Add(new X509BasicConstraintsExtension(
                certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));

            // 4.2.1.3: ECDHE key exchange only needs the key to sign; TLS 1.2 RSA key
            // transport suites also encrypt the premaster secret to it (keyEncipherment).
            var usage = keyAlgorithm == CertificateKeyAlgorithm.Rsa2048
                ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
                : X509KeyUsageFlags.DigitalSignature;
            extensions.Add(new X509KeyUsageExtension(usage, critical: true));

            // 4.2.1.12: one certificate serves both ends of a test, so it is good for server
            // and client authentication. Left non-critical, as is usual for TLS certificates.
            extensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid(ServerAuthOid), new Oid(ClientAuthOid) }, critical: false));
        }

        // 4.2.1.2: "this extension SHOULD be included in all end entity certificates" and MUST
        // be in CA certificates; "conforming CAs MUST mark this extension as non-critical".
        extensions.Add(subjectKeyIdentifier);

        if (issuerKeyIdentifier is not null)
        {
            // 4.2.1.1: keyIdentifier MUST be present in certificates a CA issues, so path
            // building can find the issuer; "MUST mark this extension as non-critical". A
            // self-signed certificate MAY omit it, and ours do.
            extensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerKeyIdentifier));
        }

        if (alternativeNames.Count > 0)
        {
            // 4.2.1.6: non-critical because the subject name is not empty (it always has a CN).
            var builder = new SubjectAlternativeNameBuilder();
            foreach (var name in alternativeNames)
            {
                if (name.Address is { } address)
                {
                    builder.AddIpAddress(address);
                }
                else
                {
                    builder.AddDnsName(name.DnsName!);
                }
            }

            extensions.Add(builder.Build(critical: false));
        }
    }

    /// <summary>
    /// The subject key identifier of <paramref name="certificate"/>: its own extension when it
    /// has one, else RFC 5280 section 4.2.1.2 method (1), the SHA-1 of the subjectPublicKey bits.
    /// </summary>
    internal static X509SubjectKeyIdentifierExtension SubjectKeyIdentifierOf(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()
        ?? new X509SubjectKeyIdentifierExtension(certificate.PublicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, critical: false);
}
