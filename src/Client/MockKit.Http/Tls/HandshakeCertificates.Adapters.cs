using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MockKit.Tls;

public sealed partial class HandshakeCertificates
{
    /// <summary>
    /// Options for <see cref="SslStream.AuthenticateAsServerAsync(SslServerAuthenticationOptions, CancellationToken)"/>
    /// presenting <see cref="HeldCertificate"/> with its intermediates. Client certificates are
    /// not asked for (<c>ClientCertificateRequired</c> false); a server that sets it to true gets
    /// client chains validated against <see cref="TrustedCertificates"/> (and the platform roots
    /// when included), without revocation checks, and a missing client certificate rejected.
    /// TLS session resumption is off (<c>AllowTlsResume</c> false): see the remarks.
    /// </summary>
    /// <remarks>
    /// The runtime keeps one TLS context per certificate for the whole process (on Linux, keyed by
    /// the certificate's thumbprint, not by server), so every server presenting the same certificate
    /// (two MockWebServers with <see cref="Localhost"/>, Kestrel with its leaf) would accept each
    /// other's session tickets, and a resumed session brings along the client certificate shown to
    /// the server that issued it: a server that never asked for one would then see it, and fail
    /// the handshake if it cannot validate it. Test servers must not share state that way, so each
    /// handshake made with these options is a full one.
    /// </remarks>
    /// <returns>A new options object on each call; the caller may adjust it (ALPN, protocols).</returns>
    /// <exception cref="InvalidOperationException">There is no held certificate to present.</exception>
    public SslServerAuthenticationOptions ServerOptions()
    {
        var context = CertificateContext
            ?? throw new InvalidOperationException(
                "A TLS server needs a certificate to present: build these HandshakeCertificates with HeldCertificate(...).");
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowTlsResume = false,
        };

        // The callback reads ClientCertificateRequired when the handshake runs, not now, so a
        // server that flips it after this call gets the behaviour it asked for.
        options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            ValidateClientCertificate(certificate, chain, options.ClientCertificateRequired, errors).IsAccepted;
        return options;
    }

    /// <summary>
    /// Options for <see cref="SslStream.AuthenticateAsClientAsync(SslClientAuthenticationOptions, CancellationToken)"/>
    /// connecting to <paramref name="host"/>: the server's chain must lead to one of
    /// <see cref="TrustedCertificates"/> (or, when included, a platform root) and its
    /// certificate must name <paramref name="host"/>; <see cref="HeldCertificate"/>, if any, is
    /// offered as the client certificate. For an insecure host any certificate is accepted.
    /// TLS session resumption is off (<c>AllowTlsResume</c> false): the runtime caches client
    /// sessions per host name and client certificate, not per port, so a session (and the client
    /// certificate shown in it) from one test server would otherwise be offered to every other
    /// server on <c>localhost</c>; see <see cref="ServerOptions"/>.
    /// </summary>
    /// <param name="host">The host name or IP literal connected to; used for SNI and hostname verification.</param>
    /// <returns>A new options object on each call; the caller may adjust it (ALPN, protocols).</returns>
    public SslClientAuthenticationOptions ClientOptions(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = NormalizeHost(host),
            ClientCertificateContext = CertificateContext,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowTlsResume = false,
        };
        if (IsInsecureHost(host))
        {
            // Accepting everything is confined to these options, which only ever reach this host.
            options.RemoteCertificateValidationCallback = static (_, certificate, _, _) => certificate is not null;
        }
        else
        {
            ConfigureServerValidation(options);
        }

        return options;
    }

    /// <summary>
    /// A new <see cref="SocketsHttpHandler"/> whose TLS trusts exactly these certificates: the
    /// same rules as <see cref="ClientOptions(string)"/> (trusted roots, optional platform roots,
    /// hostname verification, insecure hosts, client certificate, no session resumption), applied per request host.
    /// </summary>
    /// <returns>A handler owned by the caller (dispose it, or the <c>HttpClient</c> that wraps it).</returns>
    public SocketsHttpHandler CreateSocketsHttpHandler()
    {
        var ssl = new SslClientAuthenticationOptions
        {
            ClientCertificateContext = CertificateContext,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowTlsResume = false,
        };
        if (InsecureHosts.Count == 0)
        {
            ConfigureServerValidation(ssl);
        }
        else
        {
            // One options object serves every host, so the callback looks up which host this
            // handshake is for; SocketsHttpHandler passes the request as the sender.
            ssl.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                ValidateServerCertificate(HostOf(sender), certificate, chain, errors);
        }

        return new SocketsHttpHandler { SslOptions = ssl };
    }

    private void ConfigureServerValidation(SslClientAuthenticationOptions options)
    {
        if (IncludesPlatformTrustedCertificates)
        {
            // SslStream builds the platform chain itself (no CertificateChainPolicy), and the
            // callback adds a second build against the custom roots when that one fails.
            options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                ValidateServerCertificate(HostOf(sender), certificate, chain, errors);
        }
        else
        {
            // No callback: SslStream builds the chain under this policy and still checks the
            // host name itself, so any chain error or name mismatch fails the handshake.
            options.CertificateChainPolicy = CreateChainPolicy(CertificateProfile.ServerAuthOid);
        }
    }

    /// <summary>The host a handshake is for, as the TLS layer saw it (its SNI and hostname-check name).</summary>
    private static string? HostOf(object? sender) => sender switch
    {
        SslStream stream => stream.TargetHostName,

        // SocketsHttpHandler takes the TLS host name from an explicit Host header when there
        // is one, else from the URI; mirror that so an insecure host matches the same name.
        HttpRequestMessage { Headers.Host: { } hostHeader } => WithoutPort(hostHeader),
        HttpRequestMessage request => request.RequestUri?.IdnHost,
        _ => null,
    };

    private static string WithoutPort(string hostHeader)
    {
        if (hostHeader.StartsWith('['))
        {
            var end = hostHeader.IndexOf(']', StringComparison.Ordinal);
            return end < 0 ? hostHeader : hostHeader[..(end + 1)];
        }

        var colon = hostHeader.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? hostHeader : hostHeader[..colon];
    }
}
