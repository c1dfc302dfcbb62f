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
    public sealed partial class Builder
    {
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
        /// self-signed. A <see cref="Duration"/> must end within the issuer's validity, or
        /// <see cref="Build"/> throws; the default window is narrowed to fit inside the issuer's;
        /// an explicit <see cref="ValidityInterval"/> is issued as given, even outside the
        /// issuer's window (e.g. an expired or not-yet-valid leaf under a fresh CA).
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

        private static string ValidateNameAttribute(string value, string paramName)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxNameAttributeLength, paramName);
            return value;
        }
    }
}
