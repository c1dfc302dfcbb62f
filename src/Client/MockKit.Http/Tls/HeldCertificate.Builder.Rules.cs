namespace MockKit.Tls;

public sealed partial class HeldCertificate
{
    /// <content>
    /// The validity window and the rules an issued certificate must follow relative to its
    /// issuer. A <see cref="Duration"/> that outlives the issuer throws; only the default window
    /// adapts; an explicit <see cref="ValidityInterval"/> is issued exactly as given.
    /// </content>
    public sealed partial class Builder
    {
        /// <summary>How far back the default window starts, so a peer whose clock is a little behind accepts it.</summary>
        private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(1);

        private static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(24);

        private (DateTimeOffset NotBefore, DateTimeOffset NotAfter) ResolveValidity(DateTimeOffset now)
        {
            if (_validity is { } explicitWindow)
            {
                // Issued as given, even outside the issuer's window: an expired or not-yet-valid
                // leaf under a fresh CA is the classic negative TLS test, and the caller named
                // these dates on purpose. The signature does not care (it is made with an
                // X509SignatureGenerator, which checks nothing about the issuer); the peer's path
                // validation (RFC 5280 section 6.1.3) reports the window as it should.
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
            // so a leaf that outlives its CA stops validating when the CA expires. A Duration is
            // "valid from now for this long", rarely meant to outlive the CA: saying so now beats
            // a puzzling handshake failure later; no silent clamping.
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
