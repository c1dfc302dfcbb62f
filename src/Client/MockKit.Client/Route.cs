using System.Globalization;
using System.Net;

namespace MockKit.Client;

/// <summary>
/// The concrete path one connection takes to an origin: the origin's scheme, host and port,
/// the proxy in between (null when direct) and the socket address actually dialled (the
/// origin's address when direct, the proxy's when proxied). Immutable; equality is by value
/// (<see cref="Tunnel"/> included, so a tunnel and an absolute-form connection to one proxy are
/// never taken for one another).
/// </summary>
/// <param name="Scheme">The origin's scheme, <c>http</c> or <c>https</c>.</param>
/// <param name="Host">The origin's host name or IP literal, as in the request URI (IDN host form).</param>
/// <param name="Port">The origin's port.</param>
/// <param name="Proxy">The HTTP proxy the socket connects to, or null for a direct connection.</param>
/// <param name="SocketAddress">The IP address and port the socket connects to.</param>
public sealed record Route(string Scheme, string Host, int Port, Uri? Proxy, IPEndPoint SocketAddress)
{
    /// <summary>
    /// True when an http origin behind the proxy is reached through a CONNECT tunnel rather than with
    /// absolute-form requests: set for a protocol upgrade (a <c>ws://</c> WebSocket opening handshake),
    /// which RFC 6455 section 4.1 says goes through a tunnel when a proxy is configured, since a forward
    /// proxy does not relay the hop-by-hop <c>Upgrade</c> of an absolute-form request. Meaningless when direct.
    /// </summary>
    public bool Tunnel { get; init; }

    /// <summary>True when the proxy must open a CONNECT tunnel (RFC 9110 section 9.3.6): an https origin, or <see cref="Tunnel"/>.</summary>
    public bool RequiresTunnel => Proxy is not null && (IsHttps || Tunnel);

    /// <summary>True when the origin is https (TLS to the origin, inside a tunnel when proxied).</summary>
    public bool IsHttps => Scheme == Uri.UriSchemeHttps;

    /// <summary>The origin as <c>scheme://host:port</c>.</summary>
    public string Origin => string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{FormatHost(Host)}:{Port}");

    /// <summary>The route as text; the proxy's user info (its credentials) is never included.</summary>
    /// <returns>E.g. <c>http://origin.test:80 via proxy http://127.0.0.1:8080/ (127.0.0.1:8080)</c>.</returns>
    public override string ToString() =>
        Proxy is null ? $"{Origin} via {SocketAddress}"
        : Tunnel ? $"{Origin} via proxy {Diagnostics.UriRedaction.Proxy(Proxy)} ({SocketAddress}) tunnel"
        : $"{Origin} via proxy {Diagnostics.UriRedaction.Proxy(Proxy)} ({SocketAddress})";

    internal static string FormatHost(string host) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
