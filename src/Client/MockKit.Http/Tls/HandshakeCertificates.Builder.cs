using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

public sealed partial class HandshakeCertificates
{
    /// <summary>
    /// Configures and creates <see cref="HandshakeCertificates"/>. Setters validate eagerly and
    /// return this builder. Default: nothing presented, nothing trusted (every peer certificate
    /// is rejected), no insecure hosts. Not thread-safe; <see cref="Build"/> may be called
    /// repeatedly and each result is independent of later changes to the builder.
    /// </summary>
    public sealed class Builder
    {
        private readonly List<X509Certificate2> _trusted = [];
        private readonly HashSet<string> _insecureHosts = new(StringComparer.OrdinalIgnoreCase);
        private Tls.HeldCertificate? _held;
        private X509Certificate2[] _intermediates = [];
        private bool _platformTrusted;

        /// <summary>
        /// Sets the certificate this side presents and the intermediates sent with it, replacing
        /// any earlier call. A server must have one; a client with one offers it for mutual TLS.
        /// </summary>
        /// <param name="held">The certificate and private key to present.</param>
        /// <param name="intermediates">The CA certificates between <paramref name="held"/> and a root, nearest issuer first; roots need not be sent.</param>
        /// <returns>This builder.</returns>
        public Builder HeldCertificate(Tls.HeldCertificate held, params X509Certificate2[] intermediates)
        {
            ArgumentNullException.ThrowIfNull(held);
            ArgumentNullException.ThrowIfNull(intermediates);
            if (Array.IndexOf(intermediates, null) >= 0)
            {
                throw new ArgumentException("An intermediate certificate is null.", nameof(intermediates));
            }

            _held = held;
            _intermediates = [.. intermediates];
            return this;
        }

        /// <summary>
        /// Trusts <paramref name="root"/> as an anchor for the peer's chain. Any certificate may
        /// be an anchor, but it is usually a self-signed certificate authority.
        /// </summary>
        /// <param name="root">The certificate to trust; its private key is not needed.</param>
        /// <returns>This builder.</returns>
        public Builder AddTrustedCertificate(X509Certificate2 root)
        {
            ArgumentNullException.ThrowIfNull(root);
            _trusted.Add(root);
            return this;
        }

        /// <summary>
        /// Also accepts a peer whose chain the operating system trusts, for tests that mix a mock
        /// server with real ones. Host names are still verified.
        /// </summary>
        /// <returns>This builder.</returns>
        public Builder AddPlatformTrustedCertificates()
        {
            _platformTrusted = true;
            return this;
        }

        /// <summary>
        /// Accepts any certificate from <paramref name="host"/>, and from that host only, without
        /// checking its chain, dates or names. For tests against a server whose certificate
        /// cannot be controlled; every other host keeps full verification.
        /// </summary>
        /// <param name="host">A host name or IP literal exactly as the client connects to it (compared case-insensitively; IPv6 brackets are ignored).</param>
        /// <returns>This builder.</returns>
        public Builder AddInsecureHost(string host)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(host);
            _insecureHosts.Add(NormalizeHost(host));
            return this;
        }

        /// <summary>Creates the configured certificates.</summary>
        /// <returns>A new immutable <see cref="HandshakeCertificates"/>.</returns>
        public HandshakeCertificates Build() =>
            new(_held, [.. _intermediates], [.. _trusted], _platformTrusted,
                new HashSet<string>(_insecureHosts, StringComparer.OrdinalIgnoreCase));
    }
}
