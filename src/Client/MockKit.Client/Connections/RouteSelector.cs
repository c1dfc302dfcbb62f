using System.Net;
using System.Net.Sockets;

namespace MockKit.Client.Connections;

/// <summary>
/// Turns a request URI into the routes to try, in order: choose the proxy (honouring
/// <see cref="IWebProxy.IsBypassed"/>), resolve the host to dial (the proxy's when proxied;
/// IP literals skip DNS), make one route per address (marked <see cref="Route.Tunnel"/> when the
/// request asked for one and a proxy was chosen), and move routes that failed recently
/// (<see cref="RouteDatabase"/>) to the end.
/// </summary>
internal static class RouteSelector
{
    public static async Task<IReadOnlyList<Route>> SelectAsync(
        Uri uri, bool tunnel, ConnectionSettings settings, RouteDatabase database, EventListener listener, long callId, CancellationToken ct)
    {
        listener.OnProxySelectStart(callId, uri);
        Uri? proxy = null;
        if (settings.Proxy is { } selector && !selector.IsBypassed(uri))
        {
            proxy = selector.GetProxy(uri);
            if (proxy is not null && (proxy == uri || proxy.Scheme != Uri.UriSchemeHttp))
            {
                // GetProxy returns the destination itself for "no proxy"; only HTTP proxies are spoken.
                proxy = proxy == uri ? null : throw new HttpRequestException(
                    HttpRequestError.ProxyTunnelError, $"Only http:// proxies are supported; the proxy for {Diagnostics.UriRedaction.Show(uri, disableRedaction: false)} is {Diagnostics.UriRedaction.Proxy(proxy)}.");
            }
        }

        listener.OnProxySelectEnd(callId, uri, proxy);
        var dialHost = (proxy ?? uri).IdnHost;
        var dialPort = (proxy ?? uri).Port;
        IReadOnlyList<IPAddress> addresses;
        if (IPAddress.TryParse(dialHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            listener.OnDnsStart(callId, dialHost);
            try
            {
                addresses = await settings.Dns.LookupAsync(dialHost, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                throw new HttpRequestException(HttpRequestError.NameResolutionError, $"Could not resolve {dialHost}: {e.Message}", e);
            }

            listener.OnDnsEnd(callId, dialHost, addresses);
            if (addresses.Count == 0)
            {
                throw new HttpRequestException(HttpRequestError.NameResolutionError, $"The DNS returned no address for {dialHost}.");
            }
        }

        // A bypassed proxy leaves the route direct, where a tunnel means nothing.
        var tunnelled = tunnel && proxy is not null;
        var routes = addresses.Select(a => new Route(uri.Scheme, uri.IdnHost, uri.Port, proxy, new IPEndPoint(a, dialPort)) { Tunnel = tunnelled }).ToList();
        return [.. routes.Where(r => !database.ShouldPostpone(r)), .. routes.Where(database.ShouldPostpone)];
    }
}
