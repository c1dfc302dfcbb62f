using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

public sealed partial class HandshakeCertificates
{
    /// <summary>
    /// Decides whether a server certificate is acceptable for <paramref name="host"/>, given
    /// what <see cref="SslStream"/> already found with the platform trust store. Used as the
    /// remote certificate callback whenever insecure hosts or platform roots are configured.
    /// </summary>
    /// <param name="host">The host connected to, or null when unknown (then no host is insecure).</param>
    /// <param name="certificate">The server's leaf.</param>
    /// <param name="chain">The chain SslStream built with the platform's trust; its extra store holds what the server sent.</param>
    /// <param name="errors">
    /// SslStream's verdict, including the hostname check. A caller with its own hostname
    /// verifier clears <see cref="SslPolicyErrors.RemoteCertificateNameMismatch"/> first.
    /// </param>
    internal bool ValidateServerCertificate(string? host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        if (IsInsecureHost(host))
        {
            return true;
        }

        // A wrong name is never forgiven, whichever roots vouch for the chain.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        if (IncludesPlatformTrustedCertificates && errors == SslPolicyErrors.None)
        {
            return true;
        }

        var valid = TryBuildCustomChain(certificate, chain, CertificateProfile.ServerAuthOid, out var validated, out _);
        DisposeAllExcept(validated, certificate);
        return valid;
    }

    /// <summary>
    /// Validates a TLS client's certificate for a server: it must chain to
    /// <see cref="TrustedCertificates"/> (or, when included, to a platform root, which
    /// <paramref name="errors"/> reports) and allow client authentication. A server calls this
    /// from its remote certificate callback and records <see cref="ClientCertificateValidation.Chain"/>.
    /// </summary>
    /// <param name="certificate">What the client presented; null when it presented nothing.</param>
    /// <param name="chain">The chain SslStream built; its extra store holds the client's intermediates.</param>
    /// <param name="required">Whether a client that presents nothing is rejected.</param>
    /// <param name="errors">SslStream's verdict, consulted only for the platform roots.</param>
    /// <returns>The decision and the validated chain, which the caller owns.</returns>
    public ClientCertificateValidation ValidateClientCertificate(
        X509Certificate? certificate, X509Chain? chain, bool required, SslPolicyErrors errors = SslPolicyErrors.RemoteCertificateChainErrors)
    {
        if (certificate is null)
        {
            return required
                ? new(false, [], "The client presented no certificate but one is required.")
                : new(true, [], null);
        }

        if (TryBuildCustomChain(certificate, chain, CertificateProfile.ClientAuthOid, out var validated, out var failure))
        {
            return new(true, validated, null);
        }

        DisposeAllExcept(validated, certificate);
        if (IncludesPlatformTrustedCertificates && errors == SslPolicyErrors.None && chain is not null)
        {
            // SslStream disposes its chain's certificates after the callback, so keep copies.
            return new(true, [.. chain.ChainElements.Select(element => X509CertificateLoader.LoadCertificate(element.Certificate.RawData))], null);
        }

        // A copy: the presented certificate belongs to the SslStream and dies with it.
        return new(false, [X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())], failure);
    }

    /// <summary>
    /// Builds <paramref name="certificate"/>'s chain against the custom roots, using the
    /// certificates the peer sent as candidate intermediates.
    /// </summary>
    /// <param name="certificate">The peer's leaf.</param>
    /// <param name="presented">SslStream's chain, whose extra store holds what the peer sent; null when unknown.</param>
    /// <param name="purposeOid">The extended key usage the leaf must allow.</param>
    /// <param name="validated">The chain built, leaf first (caller owns it), valid or not.</param>
    /// <param name="failure">The chain status when invalid.</param>
    private bool TryBuildCustomChain(
        X509Certificate certificate, X509Chain? presented, string purposeOid,
        out IReadOnlyList<X509Certificate2> validated, out string? failure)
    {
        using var chain = new X509Chain { ChainPolicy = CreateChainPolicy(purposeOid) };
        if (presented is not null)
        {
            // SslStream puts every certificate the peer sent into the extra store.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        var leaf = AsCertificate2(certificate);
        var valid = chain.Build(leaf);
        validated = [.. chain.ChainElements.Select(element => element.Certificate)];
        failure = valid
            ? null
            : $"The certificate {leaf.Subject} does not chain to a trusted root: "
              + string.Join("; ", chain.ChainStatus.Select(status => $"{status.Status}: {status.StatusInformation.Trim()}"));
        return valid;
    }

    private static X509Certificate2 AsCertificate2(X509Certificate certificate) =>
        certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());

    /// <summary>Disposes chain elements this class created, never the peer's certificate that SslStream owns.</summary>
    private static void DisposeAllExcept(IReadOnlyList<X509Certificate2> certificates, X509Certificate keep)
    {
        foreach (var certificate in certificates)
        {
            if (!ReferenceEquals(certificate, keep))
            {
                certificate.Dispose();
            }
        }
    }
}
