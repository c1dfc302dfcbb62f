using MockKit.Client.Connections;

namespace MockKit.Client;

/// <summary>
/// Decides the follow-up request a response calls for: a redirect (RFC 9110 section 15.4) or an
/// answer to a proxy's 407 for a plain-http request sent through it.
/// </summary>
internal static class FollowUps
{
    /// <summary>The most follow-ups (redirects and auth answers) one call makes, as in OkHttp and browsers.</summary>
    public const int MaxFollowUps = 20;

    public static HttpRequestMessage? Create(HttpResponseMessage response, HttpRequestMessage request, Route route, InstrumentedHandler handler, ref bool proxyAuthAnswered)
    {
        var code = (int)response.StatusCode;
        if (code == 407 && route.Proxy is not null && !route.RequiresTunnel && !proxyAuthAnswered && IsReplayable(request.Content)
            && handler.Proxy?.Credentials?.GetCredential(route.Proxy, "Basic") is { } credential)
        {
            proxyAuthAnswered = true;
            var retry = Copy(request, request.Method, request.RequestUri!, keepBody: true, sameOrigin: true);
            retry.Headers.Remove("Proxy-Authorization");
            retry.Headers.TryAddWithoutValidation("Proxy-Authorization", ProxyTunnel.BasicAuthorization(credential));
            return retry;
        }

        if (!handler.FollowRedirects || code is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
        {
            return null;
        }

        var target = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
        if ((target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            || (request.RequestUri!.Scheme == Uri.UriSchemeHttps && target.Scheme == Uri.UriSchemeHttp))
        {
            return null; // Like HttpClient: no redirects to other schemes, and no downgrade from https.
        }

        // 303 always becomes GET (HEAD stays HEAD); 301/302 turn POST into GET, as every browser does.
        var toGet = (code == 303 && request.Method != HttpMethod.Head) || (code is 301 or 302 && request.Method == HttpMethod.Post);
        var method = toGet ? HttpMethod.Get : request.Method;
        var keepBody = !toGet && request.Content is not null;
        if (keepBody && !IsReplayable(request.Content))
        {
            return null;
        }

        var sameOrigin = target.Scheme == request.RequestUri.Scheme && target.IdnHost == request.RequestUri.IdnHost && target.Port == request.RequestUri.Port;
        if (!sameOrigin)
        {
            // Proxy-Authorization was dropped: the proxy may challenge the new target once more.
            proxyAuthAnswered = false;
        }

        return Copy(request, method, target, keepBody, sameOrigin);
    }

    /// <summary>
    /// Credentials that must not follow a redirect to another origin: the origin's own (Authorization,
    /// Cookie) and the proxy's (Proxy-Authorization; the target may be reached through another proxy,
    /// a tunnel or none at all, and a 407 from the same proxy is answered again from the handler's
    /// <see cref="System.Net.IWebProxy.Credentials"/>).
    /// </summary>
    private static bool IsOriginCredential(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the content can be sent again: none, or in-memory content.</summary>
    public static bool IsReplayable(HttpContent? content) => content is null or ByteArrayContent or ReadOnlyMemoryContent;

    private static HttpRequestMessage Copy(HttpRequestMessage request, HttpMethod method, Uri uri, bool keepBody, bool sameOrigin)
    {
        var copy = new HttpRequestMessage(method, uri)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
            Content = keepBody ? request.Content : null,
        };
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || (!sameOrigin && IsOriginCredential(name)))
            {
                continue;
            }

            copy.Headers.TryAddWithoutValidation(name, values);
        }

        return copy;
    }
}
