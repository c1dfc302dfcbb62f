using System.Net;
using System.Security.Cryptography.X509Certificates;
using MockKit.Tls;

namespace MockKit.Client.Connections;

/// <summary>
/// What makes two calls able to share a connection: the origin plus every setting that
/// shapes how a connection to it is made (proxy choice, trust, hostname verification,
/// protocols). Handlers sharing one pool share connections only when these are equal;
/// reference types compare by reference, so two handlers share only when configured with
/// the same objects.
/// </summary>
internal sealed record Address(
    string Scheme,
    string Host,
    int Port,
    IWebProxy? ProxySelector,
    HandshakeCertificates? Certificates,
    Func<string, X509Certificate2, bool>? HostnameVerifier)
{
    public bool IsHttps => Scheme == Uri.UriSchemeHttps;

    public static Address From(Uri uri, InstrumentedHandler handler) =>
        new(uri.Scheme, uri.IdnHost, uri.Port, handler.Proxy, handler.Certificates, handler.HostnameVerifier);

    public bool Matches(Route route) => route.Scheme == Scheme && route.Host == Host && route.Port == Port;
}
