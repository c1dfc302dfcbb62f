namespace MockKit.MockServer.Dispatching;

/// <summary>
/// Where a forwarded request goes: the upstream base's scheme and authority, its path prefixed to the
/// request's path and query. The request's path must stay under that base path: a dot segment
/// (RFC 3986 section 5.2.4 removes <c>..</c> with the segment before it, so <c>/api/../admin</c> is
/// <c>/admin</c>), in plain or percent-encoded form (<c>%2e%2e</c>, which URI normalisation and many
/// servers decode before resolving), or a backslash (which WHATWG URL parsing, .NET's <see cref="Uri"/>
/// and some servers treat as <c>/</c>) would let a client reach upstream paths the base was meant to
/// fence off, so such a request is refused instead of forwarded.
/// </summary>
internal static class ForwardTarget
{
    /// <summary>The upstream URL for <paramref name="request"/>, or null with the reason it is refused.</summary>
    public static Uri? Resolve(Uri upstreamBase, RecordedRequest request, out string? problem)
    {
        var pathAndQuery = request.Target.StartsWith('/') ? request.Target : request.Url?.PathAndQuery ?? "/";
        var pathEnd = pathAndQuery.AsSpan().IndexOfAny('?', '#');
        var path = pathEnd < 0 ? pathAndQuery : pathAndQuery[..pathEnd];
        problem = Problem(path);
        if (problem is not null)
        {
            return null;
        }

        var basePath = upstreamBase.AbsolutePath.TrimEnd('/');
        var target = new Uri(upstreamBase.GetLeftPart(UriPartial.Authority) + basePath + pathAndQuery);

        // Belt and braces: whatever the URI parser made of the join must still be under the base.
        if (!target.AbsolutePath.StartsWith(basePath + "/", StringComparison.Ordinal) && target.AbsolutePath != basePath)
        {
            problem = $"the path {Quote(path)} resolves to {target.AbsolutePath}, outside the upstream base path {basePath}/";
            return null;
        }

        return target;
    }

    private static string? Problem(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                continue;
            }

            var decoded = segment.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(segment) : segment;
            if (decoded.Contains('\\', StringComparison.Ordinal))
            {
                return $"the path {Quote(path)} has a backslash, which some parsers read as a segment separator";
            }

            foreach (var part in decoded.Split('/'))
            {
                if (part is "." or "..")
                {
                    return $"the path {Quote(path)} has a dot segment, which would leave the upstream base path";
                }
            }
        }

        return null;
    }

    private static string Quote(string path) => RouteCondition.Quote(path);
}
