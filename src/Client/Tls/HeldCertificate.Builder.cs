using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

public sealed partial class HeldCertificate
{
    /// <summary>
    /// Configures and creates a <see cref="HeldCertificate"/>. Every setter validates its
    /// argument eagerly and returns this builder; setting an option twice keeps the last value.
    /// </summary>
    /// <remarks>
    /// Defaults: a random GUID common name, no organizational unit, no subject alternative
    /// names, an ECDSA P-256 key, validity from one minute ago (clock skew) to 24 hours from
    /// now, a random positive 63-bit serial number, a leaf (not a CA), self-signed.
    /// A builder is not thread-safe; <see cref="Build"/> may be called repeatedly, each call
    /// making a new key pair.
    /// </remarks>
    public sealed class Builder
    {
        /// <summary>How far back the default window starts, so a peer whose clock is a little behind accepts it.</summary>
        private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(1);

        private static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(24);

        /// <summary>RFC 5280 appendix A: ub-common-name and ub-organizational-unit-name are both 64.</summary>
        private const int MaxNameAttributeLength = 64;

        private readonly List<SubjectAlternativeName> _alternativeNames = [];
        private string? _commonName;
        private string? _organizationalUnit;
        private CertificateKeyAlgorithm _keyAlgorithm = CertificateKeyAlgorithm.Ecdsa256;
        private (DateTimeOffset NotBefore, DateTimeOffset NotAfter)? _validity;
        private TimeSpan? _duration;
        private long? _serialNumber;
        private int? _maxIntermediateCas;
        private HeldCertificate? _issuer;

        /// <summary>The clock that "now" comes from (defaults, <see cref="Duration"/>). Internal: tests pin it.</summary>
        internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

        /// <summary>Sets the subject's common name (CN). Default: a random GUID string.</summary>
        /// <param name="commonName">1 to 64 characters. TLS clients match host names against the subject alternative names, not this.</param>
        /// <returns>This builder.</returns>
        public Builder CommonName(string commonName)
        {
            _commonName = ValidateNameAttribute(commonName, nameof(commonName));
            return this;
        }

        /// <summary>Sets the subject's organizational unit (OU). Default: none.</summary>
        /// <param name="organizationalUnit">1 to 64 characters.</param>
        /// <returns>This builder.</returns>
        public Builder OrganizationalUnit(string organizationalUnit)
        {
            _organizationalUnit = ValidateNameAttribute(organizationalUnit, nameof(organizationalUnit));
            return this;
        }

        /// <summary>
        /// Adds a subject alternative name: a DNS name (<c>localhost</c>), a wildcard
        /// (<c>*.example.com</c>, whole left-most label only), or an IP literal (<c>127.0.0.1</c>,
        /// <c>::1</c>, no brackets), which becomes an iPAddress entry. Default: none.
        /// </summary>
        /// <param name="name">The name or address.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentException">The value is none of the accepted forms.</exception>
        public Builder AddSubjectAlternativeName(string name)
        {
            _alternativeNames.Add(SubjectAlternativeName.Parse(name, nameof(name)));
            return this;
        }

        /// <summary>Uses an ECDSA key on NIST P-256 signing with SHA-256. This is the default; it is fast to generate.</summary>
        /// <returns>This builder.</returns>
        public Builder Ecdsa256()
        {
            _keyAlgorithm = CertificateKeyAlgorithm.Ecdsa256;
            return this;
        }

        /// <summary>Uses a 2048-bit RSA key signing with SHA-256 and PKCS#1 v1.5 padding. Generating one takes tens of milliseconds.</summary>
        /// <returns>This builder.</returns>
        public Builder Rsa2048()
        {
            _keyAlgorithm = CertificateKeyAlgorithm.Rsa2048;
            return this;
        }

        /// <summary>
        /// Sets an absolute validity window, replacing any <see cref="Duration"/>. Windows in the
        /// past or future are allowed (for expired and not-yet-valid test certificates).
        /// Sub-second parts are dropped, as the X.509 encoding holds whole seconds.
        /// </summary>
        /// <param name="notBefore">The first instant the certificate is valid; year 1950 or later.</param>
        /// <param name="notAfter">The last instant the certificate is valid; later than <paramref name="notBefore"/>, year 9999 at most.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentOutOfRangeException">A date is outside the years X.509 can encode.</exception>
        /// <exception cref="ArgumentException"><paramref name="notAfter"/> is not later than <paramref name="notBefore"/>.</exception>
        public Builder ValidityInterval(DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            var start = ToCertificateTime(notBefore, nameof(notBefore));
            var end = ToCertificateTime(notAfter, nameof(notAfter));
            if (end <= start)
            {
                throw new ArgumentException(
                    $"notAfter ({end:O}) must be later than notBefore ({start:O}) (compared in whole seconds).", nameof(notAfter));
            }

            _validity = (start, end);
            _duration = null;
            return this;
        }

        /// <summary>
        /// Makes the certificate valid from one minute ago (clock skew) until
        /// <paramref name="duration"/> after the moment <see cref="Build"/> runs, replacing any
        /// <see cref="ValidityInterval"/>.
        /// </summary>
        /// <param name="duration">Greater than zero.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is zero or negative.</exception>
        public Builder Duration(TimeSpan duration)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
            _duration = duration;
            _validity = null;
            return this;
        }

        /// <summary>Sets the serial number. Default: a random positive 63-bit number.</summary>
        /// <param name="serialNumber">Greater than zero (RFC 5280 section 4.1.2.2 requires a positive integer).</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="serialNumber"/> is zero or negative.</exception>
        public Builder SerialNumber(long serialNumber)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(serialNumber);
            _serialNumber = serialNumber;
            return this;
        }

        /// <summary>
        /// Makes a certificate authority: BasicConstraints cA=TRUE with a path length constraint,
        /// and key usage keyCertSign + cRLSign, both critical. Default: a leaf (cA=FALSE, key
        /// usage digitalSignature, extended key usage serverAuth + clientAuth).
        /// </summary>
        /// <param name="maxIntermediateCas">How many intermediate CAs may follow this one in a chain; 0 or more.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxIntermediateCas"/> is negative.</exception>
        public Builder CertificateAuthority(int maxIntermediateCas)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(maxIntermediateCas);
            _maxIntermediateCas = maxIntermediateCas;
            return this;
        }

        /// <summary>
        /// Has <paramref name="issuer"/> sign the certificate; null (the default) makes it
        /// self-signed. An explicit validity window must lie within the issuer's, or
        /// <see cref="Build"/> throws; the default window is narrowed to fit inside the issuer's.
        /// </summary>
        /// <param name="issuer">A certificate authority (see <see cref="CertificateAuthority"/>), or null.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentException"><paramref name="issuer"/> is not a certificate authority.</exception>
        public Builder SignedBy(HeldCertificate? issuer)
        {
            if (issuer is not null && !issuer.MaySignCertificates)
            {
                throw new ArgumentException(
                    $"The issuer {issuer.Certificate.Subject} is not a certificate authority (it needs BasicConstraints cA=TRUE and key usage keyCertSign); build it with CertificateAuthority(n).",
                    nameof(issuer));
            }

            _issuer = issuer;
            return this;
        }

        /// <summary>Generates a key pair and signs a certificate with the configured options.</summary>
        /// <returns>A new held certificate.</returns>
        /// <exception cref="ArgumentException">
        /// The options conflict with the issuer: the validity window is not inside the issuer's,
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

        private (DateTimeOffset NotBefore, DateTimeOffset NotAfter) ResolveValidity(DateTimeOffset now)
        {
            if (_validity is { } explicitWindow)
            {
                CheckInsideIssuer(explicitWindow.NotBefore, explicitWindow.NotAfter);
                return explicitWindow;
            }

            var notBefore = TruncateToSeconds(now - ClockSkewAllowance);
            var notAfter = TruncateToSeconds(now + (_duration ?? DefaultDuration));
            if (_duration is not null || _issuer is null)
            {
                CheckInsideIssuer(notBefore, notAfter);
                return (notBefore, notAfter);
            }

            // Only the default window is narrowed: a default leaf made a moment after its default
            // CA would otherwise outlive the CA by that moment, and fail for no fault of the caller.
            var narrowedStart = notBefore > _issuer.NotBefore ? notBefore : _issuer.NotBefore;
            var narrowedEnd = notAfter < _issuer.NotAfter ? notAfter : _issuer.NotAfter;
            if (narrowedEnd <= narrowedStart)
            {
                throw new ArgumentException(
                    $"The default validity window [{notBefore:O} .. {notAfter:O}] does not overlap the issuer's {_issuer.ValidityText} ({_issuer.Certificate.Subject}); set ValidityInterval explicitly.");
            }

            return (narrowedStart, narrowedEnd);
        }

        private void CheckInsideIssuer(DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            // RFC 5280 section 6.1.3 checks each certificate of a path against the current time,
            // so a leaf that outlives its CA stops validating when the CA expires. Saying so now
            // beats a puzzling handshake failure later; no silent clamping.
            if (_issuer is not null && (notBefore < _issuer.NotBefore || notAfter > _issuer.NotAfter))
            {
                throw new ArgumentException(
                    $"The validity window [{notBefore:O} .. {notAfter:O}] is not inside the issuer's {_issuer.ValidityText} ({_issuer.Certificate.Subject}).");
            }
        }

        private void CheckPathLength()
        {
            // RFC 5280 section 4.2.1.9: with pathLenConstraint 0 "only an end-entity certificate
            // may follow in the path", so such a CA cannot sign another CA.
            if (_issuer is not null && _maxIntermediateCas is not null && _issuer.MaxIntermediateCas == 0)
            {
                throw new ArgumentException(
                    $"The issuer {_issuer.Certificate.Subject} has path length 0 and may only sign leaf certificates, not another certificate authority; give it CertificateAuthority(1) or more.");
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

        private static string ValidateNameAttribute(string value, string paramName)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxNameAttributeLength, paramName);
            return value;
        }

        private static DateTimeOffset ToCertificateTime(DateTimeOffset value, string paramName)
        {
            // RFC 5280 section 4.1.2.5: UTCTime covers 1950-2049 and GeneralizedTime the rest,
            // so nothing before 1950 can be encoded.
            if (value.UtcDateTime.Year < 1950)
            {
                throw new ArgumentOutOfRangeException(paramName, value, "X.509 validity dates start in 1950 (RFC 5280 section 4.1.2.5).");
            }

            return TruncateToSeconds(value);
        }

        private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
            new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}
