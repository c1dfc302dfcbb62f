using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

/// <summary>
/// What one side of a TLS connection presents and trusts: an optional held certificate (with
/// the intermediates that chain it to a root), the roots it trusts, whether the platform's
/// roots count too, and hosts whose certificates are not checked at all. Made by
/// <see cref="Builder"/>; <see cref="Localhost"/> gives a ready-made set. Adapters turn it into
/// options for <see cref="SslStream"/> and <see cref="SocketsHttpHandler"/>.
/// </summary>
/// <remarks>
/// Immutable and safe to share between threads and connections; every adapter call returns
/// fresh options objects. The certificates it exposes are shared: do not dispose them.
/// </remarks>
public sealed partial class HandshakeCertificates
{
    // Built at most once: SslStreamCertificateContext resolves the chain up front and is meant
    // to be reused by every handshake, as either the server or the client certificate.
    private readonly Lazy<SslStreamCertificateContext>? _certificateContext;

    private HandshakeCertificates(
        HeldCertificate? heldCertificate,
        X509Certificate2[] intermediates,
        X509Certificate2[] trustedCertificates,
        bool includesPlatformTrustedCertificates,
        HashSet<string> insecureHosts)
    {
        HeldCertificate = heldCertificate;
        Intermediates = intermediates.AsReadOnly();
        TrustedCertificates = trustedCertificates.AsReadOnly();
        IncludesPlatformTrustedCertificates = includesPlatformTrustedCertificates;
        InsecureHosts = new System.Collections.ObjectModel.ReadOnlySet<string>(insecureHosts);
        if (heldCertificate is not null)
        {
            _certificateContext = new Lazy<SslStreamCertificateContext>(
                () => SslStreamCertificateContext.Create(
                    heldCertificate.Certificate, new X509Certificate2Collection(intermediates), offline: true),
                LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    /// <summary>The certificate this side presents (server certificate, or client certificate for mutual TLS); null when none.</summary>
    public HeldCertificate? HeldCertificate { get; }

    /// <summary>Certificates sent after <see cref="HeldCertificate"/> to chain it to a trusted root, nearest issuer first; empty when none.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    /// <summary>The roots this side trusts when it checks its peer, in the order added; empty when none.</summary>
    public IReadOnlyList<X509Certificate2> TrustedCertificates { get; }

    /// <summary>Whether the operating system's trusted roots are accepted in addition to <see cref="TrustedCertificates"/>. Default false.</summary>
    public bool IncludesPlatformTrustedCertificates { get; }

    /// <summary>Hosts (compared case-insensitively) whose certificates are accepted without any check; empty by default.</summary>
    public IReadOnlySet<string> InsecureHosts { get; }

    /// <summary>The certificate context for <see cref="HeldCertificate"/>, or null when there is none.</summary>
    internal SslStreamCertificateContext? CertificateContext => _certificateContext?.Value;

    /// <summary>Whether certificates from <paramref name="host"/> are accepted unchecked.</summary>
    /// <param name="host">A host name or IP literal; brackets around an IPv6 literal are ignored.</param>
    internal bool IsInsecureHost(string? host) =>
        InsecureHosts.Count > 0 && host is not null && InsecureHosts.Contains(NormalizeHost(host));

    /// <summary>
    /// A chain policy that trusts exactly <see cref="TrustedCertificates"/>. Revocation is not
    /// checked and nothing is downloaded: test certificates have no CRL or OCSP endpoints, and
    /// a test must not reach the network. <c>VerificationTimeIgnored</c> keeps its default
    /// (true), so a long-lived policy checks validity against the time of each build.
    /// </summary>
    /// <param name="purposeOid">The extended key usage the peer's leaf must allow.</param>
    internal X509ChainPolicy CreateChainPolicy(string purposeOid)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        foreach (var root in TrustedCertificates)
        {
            policy.CustomTrustStore.Add(root);
        }

        policy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(purposeOid));
        return policy;
    }

    /// <summary>Host names compare without IPv6 brackets and case-insensitively.</summary>
    internal static string NormalizeHost(string host) =>
        host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <inheritdoc />
    public override string ToString() =>
        $"HandshakeCertificates(held={HeldCertificate?.Certificate.Subject ?? "none"}, intermediates={Intermediates.Count}, " +
        $"trusted={TrustedCertificates.Count}, platform={IncludesPlatformTrustedCertificates}, insecureHosts={InsecureHosts.Count})";
}
