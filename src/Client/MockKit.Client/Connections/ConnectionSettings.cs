using System.Net;
using System.Security.Cryptography.X509Certificates;
using MockKit.Tls;

namespace MockKit.Client.Connections;

/// <summary>How new connections are made, frozen from the handler at its first send.</summary>
internal sealed record ConnectionSettings(
    TimeSpan ConnectTimeout,
    HandshakeCertificates? Certificates,
    Func<string, X509Certificate2, bool>? HostnameVerifier,
    IReadOnlyList<Protocol> Protocols,
    IWebProxy? Proxy,
    IDns Dns);
