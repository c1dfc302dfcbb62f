using System.Net;
using System.Security.Cryptography.X509Certificates;
using MockKit.Tls;

namespace MockKit.Client.Connections;

/// <summary>
/// What makes two calls able to share a connection: the origin plus every setting that
/// shapes how a connection to it is made (proxy choice, trust, hostname verification,
/// protocols). Handlers sharing one pool share connections only when these are equal;
/// reference types compare by reference, so two handlers share only when configured with
/// the same objects. <see cref="Tunnel"/> keeps the CONNECT-tunnel connections an http upgrade
/// through a proxy needs apart from the proxy's absolute-form connections to the same origin.
/// </summary>
internal sealed record Address(
    string Scheme,
    string Host,
    int Port,
    IWebProxy? ProxySelector,
    HandshakeCertificates? Certificates,
    Func<string, X509Certificate2, bool>? HostnameVerifier,
    bool Tunnel)
{
    public bool IsHttps => Scheme == Uri.UriSchemeHttps;

    public static Address From(Uri uri, InstrumentedHandler handler, bool tunnel) =>
        new(uri.Scheme, uri.IdnHost, uri.Port, handler.Proxy, handler.Certificates, handler.HostnameVerifier, tunnel);

    /// <summary>
    /// Whether <paramref name="request"/> to an http origin must go through a CONNECT tunnel when a
    /// proxy is chosen for it: it asks for a protocol upgrade (RFC 9110 section 7.8; the WebSocket
    /// opening handshake of RFC 6455 section 4.1). Upgrade is hop-by-hop, so a forward proxy
    /// answering an absolute-form request would consume or drop it; section 4.1 says a client
    /// configured to use a proxy SHOULD connect to it and ask for a tunnel (CONNECT host:port), as
    /// SocketsHttpHandler does. https origins always tunnel and need no mark.
    /// </summary>
    public static bool WantsTunnel(HttpRequestMessage request, IWebProxy? proxy) =>
        proxy is not null
        && request.RequestUri!.Scheme == Uri.UriSchemeHttp
        && RequestHeaders.IfAny(request) is { } headers
        && headers.Contains("Upgrade");

    public bool Matches(Route route) => route.Scheme == Scheme && route.Host == Host && route.Port == Port;
}
