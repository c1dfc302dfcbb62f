using System.Globalization;
using System.Net;
using MockKit.Http1;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// The OpenTelemetry HTTP attribute values, computed exactly as the runtime's System.Net.Http
/// instrumentation computes them, so one dashboard or test reads both handlers. Called only
/// after an instrument or activity said it is listened to.
/// </summary>
internal static class HttpTags
{
    public const string Method = "http.request.method";
    public const string MethodOriginal = "http.request.method_original";
    public const string StatusCode = "http.response.status_code";
    public const string ProtocolVersion = "network.protocol.version";
    public const string PeerAddress = "network.peer.address";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string UrlScheme = "url.scheme";
    public const string UrlFull = "url.full";
    public const string ErrorType = "error.type";
    public const string ConnectionState = "http.connection.state";

    /// <summary>The canonical name of a method the HTTP specs define, "_OTHER" for anything else
    /// (the semantic conventions keep the attribute's cardinality bounded).</summary>
    public static KeyValuePair<string, object?> MethodTag(HttpMethod method, out bool unknown)
    {
        var known = KnownMethod(method);
        unknown = known is null;
        return new(Method, known ?? "_OTHER");
    }

    /// <summary>The canonical (upper-case) name of a method RFC 9110 or RFC 5789 defines, matched
    /// case-insensitively as the runtime does; null for any other method.</summary>
    public static string? KnownMethod(HttpMethod method) => HttpMethodNames.Canonical(method.Method);

    /// <summary>"1.0", "1.1", "2", "3": the version as the conventions spell it.</summary>
    public static string Version(Version version) => (version.Major, version.Minor) switch
    {
        (1, 0) => "1.0",
        (1, 1) => "1.1",
        (2, 0) => "2",
        (3, 0) => "3",
        _ => version.ToString(),
    };

    /// <summary>The version a connection speaks: every HTTP/1.x connection counts as 1.1.</summary>
    public static string Version(Protocol protocol) => protocol is Protocol.Http2 or Protocol.H2PriorKnowledge ? "2" : "1.1";

    /// <summary>
    /// <c>server.address</c>: the Host header's host when the request goes direct (it names the
    /// server the application meant), otherwise the URI's host.
    /// </summary>
    public static string ServerAddressOf(HttpRequestMessage request, IWebProxy? proxy)
    {
        var uri = request.RequestUri!;
        if ((proxy is null || proxy.IsBypassed(uri)) && request.Headers.Host is { Length: > 0 } host)
        {
            return HostOfHostHeader(host);
        }

        return uri.IdnHost;
    }

    /// <summary>
    /// <c>error.type</c>: a 4xx/5xx status as its number; otherwise the failure's
    /// <see cref="HttpRequestError"/> in snake_case, or the exception's full type name when it
    /// has none. False for a success.
    /// </summary>
    public static bool TryGetErrorType(HttpResponseMessage? response, Exception? exception, out string? errorType)
    {
        if (response is not null && (int)response.StatusCode is >= 400 and <= 599)
        {
            errorType = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            return true;
        }

        if (exception is null)
        {
            errorType = null;
            return false;
        }

        errorType = (exception as HttpRequestException)?.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name_resolution_error",
            HttpRequestError.ConnectionError => "connection_error",
            HttpRequestError.SecureConnectionError => "secure_connection_error",
            HttpRequestError.HttpProtocolError => "http_protocol_error",
            HttpRequestError.ExtendedConnectNotSupported => "extended_connect_not_supported",
            HttpRequestError.VersionNegotiationError => "version_negotiation_error",
            HttpRequestError.UserAuthenticationError => "user_authentication_error",
            HttpRequestError.ProxyTunnelError => "proxy_tunnel_error",
            HttpRequestError.InvalidResponse => "invalid_response",
            HttpRequestError.ResponseEnded => "response_ended",
            HttpRequestError.ConfigurationLimitExceeded => "configuration_limit_exceeded",
            _ => exception.GetType().FullName!,
        };
        return true;
    }

    /// <summary>
    /// <c>url.full</c> without user info and with the query's value replaced by <c>*</c> (query
    /// strings carry secrets; the runtime redacts them by default the same way).
    /// </summary>
    public static string RedactedUrl(Uri uri)
    {
        var pathAndQuery = uri.PathAndQuery;
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 && query < pathAndQuery.Length - 1 ? string.Concat(pathAndQuery.AsSpan(0, query + 1), "*") : pathAndQuery;
        return uri.IsDefaultPort
            ? $"{uri.Scheme}://{uri.Host}{path}"
            : string.Create(CultureInfo.InvariantCulture, $"{uri.Scheme}://{uri.Host}:{uri.Port}{path}");
    }

    /// <summary>The host part of a Host header value: brackets kept for IPv6 literals, port dropped.</summary>
    private static string HostOfHostHeader(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[..(close + 1)] : host;
        }

        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? host[..colon] : host;
    }
}
