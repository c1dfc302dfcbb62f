using System.Net.Security;
using System.Runtime.CompilerServices;
using MockKit.MockServer.Connections;
using MockKit.Tls;

namespace MockKit.MockServer;

/// <summary>TLS configuration of the server.</summary>
public sealed partial class MockWebServer
{
    private ClientAuthMode _clientAuth = ClientAuthMode.None;

    /// <summary>The certificates set by <see cref="UseHttps"/>, or null for a cleartext server.</summary>
    public HandshakeCertificates? Certificates { get; private set; }

    /// <summary>The server's TLS side, created at start; null for a cleartext server.</summary>
    internal ServerTls? Tls { get; private set; }

    /// <summary>
    /// Serves HTTPS with <paramref name="certificates"/> (their held certificate is presented;
    /// their trusted roots validate client certificates). <see cref="Url"/> becomes https. The
    /// same certificates serve <see cref="SocketPolicy.UpgradeToSslAtEnd"/> tunnels: a connection
    /// that opens with plaintext while the next scripted response upgrades is served as a proxy.
    /// Call before the server starts.
    /// </summary>
    /// <param name="certificates">Certificates with a held (server) certificate, e.g. <see cref="HandshakeCertificates.Localhost"/>.</param>
    /// <exception cref="ArgumentException">The certificates hold no server certificate.</exception>
    public void UseHttps(HandshakeCertificates certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.HeldCertificate is null)
        {
            throw new ArgumentException("The server needs a held certificate to present; these certificates hold none.", nameof(certificates));
        }

        ThrowIfStarted();
        Certificates = certificates;
    }

    /// <summary>Asks TLS clients for a certificate; a client without a trusted one still proceeds
    /// (its <see cref="TlsHandshake.PeerCertificates"/> are then empty). Call before start.</summary>
    public void RequestClientAuth() => SetClientAuth(ClientAuthMode.Requested);

    /// <summary>Requires a client certificate trusted by the server's certificates; without one the handshake fails. Call before start.</summary>
    public void RequireClientAuth() => SetClientAuth(ClientAuthMode.Required);

    /// <summary>Does not ask for client certificates (the default). Call before start.</summary>
    public void NoClientAuth() => SetClientAuth(ClientAuthMode.None);

    private void SetClientAuth(ClientAuthMode mode, [CallerMemberName] string setting = "")
    {
        ThrowIfStarted(setting);
        _clientAuth = mode;
    }

    /// <summary>Checks settings together and builds the TLS side; runs under the start lock.</summary>
    private void ValidateConfiguration()
    {
        if (Certificates is null)
        {
            if (_clientAuth != ClientAuthMode.None)
            {
                throw new InvalidOperationException("Client authentication needs TLS: call UseHttps(...) as well.");
            }

            return;
        }

        if (_protocols.Contains(Protocol.H2PriorKnowledge))
        {
            throw new InvalidOperationException("H2PriorKnowledge is cleartext HTTP/2; with UseHttps list Http2 (chosen by ALPN) instead.");
        }

        var certificates = Certificates;
        var required = _clientAuth == ClientAuthMode.Required;
        Tls = new ServerTls(
            certificates.ServerOptions(),
            _clientAuth,
            AlpnProtocols(),
            (certificate, chain) => certificates.ValidateClientCertificate(certificate, chain, required) switch
            {
                { IsAccepted: true, Chain: var validated } => validated,
                _ => null,
            });
    }

    private List<SslApplicationProtocol> AlpnProtocols()
    {
        if (!_protocolNegotiationEnabled)
        {
            return [];
        }

        var alpn = new List<SslApplicationProtocol>();
        foreach (var protocol in _protocols)
        {
            if (protocol == Protocol.Http2)
            {
                alpn.Add(SslApplicationProtocol.Http2);
            }
            else if (protocol == Protocol.Http11)
            {
                alpn.Add(SslApplicationProtocol.Http11);
            }
        }

        return alpn;
    }
}
