using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.MockServer.Connections;

/// <summary>How the server asks for client certificates (RFC 8446 section 4.3.2).</summary>
internal enum ClientAuthMode
{
    /// <summary>No CertificateRequest is sent.</summary>
    None,

    /// <summary>A certificate is requested; a client without one (or with an untrusted one) proceeds.</summary>
    Requested,

    /// <summary>A trusted certificate is required; the handshake fails without one.</summary>
    Required,
}

/// <summary>
/// The server side of TLS: performs handshakes with the configured certificates, ALPN list and
/// client-authentication mode, and turns the result into a <see cref="TlsHandshake"/>.
/// </summary>
/// <param name="options">Server options from <see cref="MockKit.Tls.HandshakeCertificates.ServerOptions"/>.</param>
/// <param name="clientAuth">Whether to ask for client certificates.</param>
/// <param name="applicationProtocols">ALPN protocols offered, in preference order; empty disables ALPN.</param>
/// <param name="validateClientChain">Validates a client certificate against the trusted roots,
/// returning the validated chain (leaf first) or null when it is not trusted.</param>
internal sealed class ServerTls(
    SslServerAuthenticationOptions options,
    ClientAuthMode clientAuth,
    IReadOnlyList<SslApplicationProtocol> applicationProtocols,
    Func<X509Certificate, X509Chain?, IReadOnlyList<X509Certificate2>?> validateClientChain)
{
    /// <summary>The ALPN protocols offered.</summary>
    public IReadOnlyList<SslApplicationProtocol> ApplicationProtocols => applicationProtocols;

    /// <summary>
    /// Runs a server handshake over <paramref name="beneath"/> and installs the TLS stream as the
    /// connection's transport.
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed (the client's fault or a policy).</exception>
    public async Task<TlsHandshake> AuthenticateAsync(ServerConnection connection, Stream beneath)
    {
        IReadOnlyList<X509Certificate2>? validatedChain = null;
        var ssl = new SslStream(beneath, leaveInnerStreamOpen: false);
        var perConnection = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = options.ServerCertificateContext,
            ServerCertificate = options.ServerCertificate,
            EnabledSslProtocols = options.EnabledSslProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

            // Every handshake is a full one. The runtime shares one TLS context (and so one
            // session-ticket key) among all servers in the process presenting the same certificate,
            // whatever their client-auth policy: with resumption on, a session a client opened at
            // another server (another MockWebServer with Localhost(), a Kestrel) resumes here,
            // bringing that server's view of the client certificate with it (HandshakeCertificates.ServerOptions remarks).
            AllowTlsResume = false,
            ApplicationProtocols = applicationProtocols.Count == 0 ? null : [.. applicationProtocols],
            ClientCertificateRequired = clientAuth != ClientAuthMode.None,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is null)
                {
                    return clientAuth != ClientAuthMode.Required;
                }

                validatedChain = validateClientChain(certificate, chain);
                if (validatedChain is null)
                {
                    connection.Log($"client certificate '{certificate.Subject}' is not trusted");
                    return clientAuth != ClientAuthMode.Required;
                }

                return true;
            },
        };

        connection.State = "TLS handshake";
        try
        {
            await ssl.AuthenticateAsServerAsync(perConnection, connection.ShutdownToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // A requested but untrusted certificate is not recorded as the peer's: the test asked
        // "did the client authenticate", and it did not.
        var handshake = TlsHandshake.FromStream(ssl, ssl.TargetHostName, validatedChain ?? []);
        connection.UpgradeTransport(ssl, handshake);
        return handshake;
    }
}
