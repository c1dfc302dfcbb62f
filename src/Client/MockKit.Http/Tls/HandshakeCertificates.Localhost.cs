namespace MockKit.Tls;

public sealed partial class HandshakeCertificates
{
    /// <summary>
    /// How long the process-wide localhost certificates stay valid: a test run that takes longer
    /// than a week has other problems, and an hour of back-dating absorbs clock skew.
    /// </summary>
    private static readonly TimeSpan LocalhostLifetime = TimeSpan.FromDays(7);

    private static readonly TimeSpan LocalhostBackdating = TimeSpan.FromHours(1);

    private static readonly Lazy<HandshakeCertificates> s_localhost =
        new(CreateLocalhost, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// A root CA and a server certificate for <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>
    /// signed by it, which also trusts that root: the same object configures both the server
    /// and the client of a loopback test. Created on first use and cached for the process
    /// (every call returns the same instance); thread-safe. Valid from an hour before its
    /// creation for seven days.
    /// </summary>
    /// <returns>The shared localhost certificates.</returns>
    public static HandshakeCertificates Localhost() => s_localhost.Value;

    /// <summary>Builds a fresh localhost set, bypassing the cache (for benchmarks and tests of the factory itself).</summary>
    internal static HandshakeCertificates CreateLocalhost()
    {
        var now = TimeProvider.System.GetUtcNow();
        var notBefore = now - LocalhostBackdating;
        var notAfter = now + LocalhostLifetime;

        // Path length 0: this root signs the leaf directly and nothing else.
        var root = new HeldCertificate.Builder()
            .CommonName("MockKit Localhost Root CA")
            .OrganizationalUnit("MockKit")
            .CertificateAuthority(0)
            .ValidityInterval(notBefore, notAfter)
            .Build();
        var server = new HeldCertificate.Builder()
            .CommonName("localhost")
            .OrganizationalUnit("MockKit")
            .AddSubjectAlternativeName("localhost")
            .AddSubjectAlternativeName("127.0.0.1")
            .AddSubjectAlternativeName("::1")
            .ValidityInterval(notBefore, notAfter)
            .SignedBy(root)
            .Build();
        return new Builder()
            .HeldCertificate(server)
            .AddTrustedCertificate(root.Certificate)
            .Build();
    }
}
