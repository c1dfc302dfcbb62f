using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

public sealed partial class HeldCertificate
{
    /// <content>Issuing: key generation, the subject name, extensions and the signature.</content>
    public sealed partial class Builder
    {
        /// <summary>Generates a key pair and signs a certificate with the configured options.</summary>
        /// <returns>A new held certificate.</returns>
        /// <exception cref="ArgumentException">
        /// The options conflict with the issuer: a <see cref="Duration"/> outlives the issuer,
        /// or the issuer's path length does not allow another CA below it.
        /// </exception>
        public HeldCertificate Build()
        {
            var (notBefore, notAfter) = ResolveValidity(TimeProvider.GetUtcNow());
            CheckPathLength();

            using var key = CertificateKeys.Generate(_keyAlgorithm);
            var subject = BuildSubjectName();
            var request = CertificateKeys.CreateRequest(subject, key);
            var subjectKeyIdentifier = new X509SubjectKeyIdentifierExtension(
                request.PublicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha1, critical: false);
            CertificateProfile.AddExtensions(
                request.CertificateExtensions, subjectKeyIdentifier, _keyAlgorithm,
                _maxIntermediateCas, _alternativeNames, _issuer?.SubjectKeyIdentifier);

            var serialNumber = _serialNumber ?? RandomSerialNumber();
            X509Certificate2 unattached;
            if (_issuer is null)
            {
                unattached = Sign(request, subject, key, notBefore, notAfter, serialNumber);
            }
            else
            {
                using var issuerKey = CertificateKeys.GetPrivateKey(_issuer.Certificate, _issuer.KeyAlgorithm);
                unattached = Sign(request, _issuer.Certificate.SubjectName, issuerKey, notBefore, notAfter, serialNumber);
            }

            using (unattached)
            {
                return new HeldCertificate(CertificateKeys.AttachPrivateKey(unattached, key), _keyAlgorithm);
            }
        }

        private X500DistinguishedName BuildSubjectName()
        {
            // The builder displays attributes in the order they are added, so CN first reads as
            // the familiar "CN=..., OU=..." (and encodes OU before CN, most specific last).
            var name = new X500DistinguishedNameBuilder();
            name.AddCommonName(_commonName ?? Guid.NewGuid().ToString());
            if (_organizationalUnit is not null)
            {
                name.AddOrganizationalUnitName(_organizationalUnit);
            }

            return name.Build();
        }

        private static long RandomSerialNumber()
        {
            // RFC 5280 section 4.1.2.2: positive, unique per issuer, at most 20 octets. 63 random
            // bits make collisions between test certificates negligible.
            long serial;
            do
            {
                serial = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(RandomNumberGenerator.GetBytes(sizeof(long))) & long.MaxValue;
            }
            while (serial == 0);
            return serial;
        }
    }
}
