using System.Globalization;
using System.Net;

namespace MockKit.Client;

/// <summary>
/// The concrete path one connection takes to an origin: the origin's scheme, host and port,
/// the proxy in between (null when direct) and the socket address actually dialled (the
/// origin's address when direct, the proxy's when proxied). Immutable; equality is by value.
/// </summary>
/// <param name="Scheme">The origin's scheme, <c>http</c> or <c>https</c>.</param>
/// <param name="Host">The origin's host name or IP literal, as in the request URI (IDN host form).</param>
/// <param name="Port">The origin's port.</param>
/// <param name="Proxy">The HTTP proxy the socket connects to, or null for a direct connection.</param>
/// <param name="SocketAddress">The IP address and port the socket connects to.</param>
public sealed record Route(string Scheme, string Host, int Port, Uri? Proxy, IPEndPoint SocketAddress)
{
    /// <summary>True for an https origin reached through a proxy, which needs a CONNECT tunnel.</summary>
    public bool RequiresTunnel => Proxy is not null && IsHttps;

    /// <summary>True when the origin is https (TLS to the origin, inside a tunnel when proxied).</summary>
    public bool IsHttps => Scheme == Uri.UriSchemeHttps;

    /// <summary>The origin as <c>scheme://host:port</c>.</summary>
    public string Origin => string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{FormatHost(Host)}:{Port}");

    /// <inheritdoc />
    public override string ToString() =>
        Proxy is null ? $"{Origin} via {SocketAddress}" : $"{Origin} via proxy {Proxy} ({SocketAddress})";

    internal static string FormatHost(string host) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
