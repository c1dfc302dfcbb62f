namespace MockKit.MockServer.Dispatching;

/// <summary>
/// A parsed route template such as <c>/users/{id}</c> or <c>/files/{*rest}</c>. Literal segments
/// match the request's percent-decoded segment exactly (ordinal: RFC 3986 section 6.2.2.1 makes
/// only the scheme and host case-insensitive); <c>{name}</c> takes one whole, non-empty segment; a
/// trailing <c>{*name}</c> takes the rest of the path (possibly empty). Immutable.
/// </summary>
/// <remarks>
/// Both sides are compared decoded: a literal may be written percent-encoded (<c>/a%20b</c> is the
/// segment "a b"). Before matching, the request path loses its dot segments as RFC 3986 section
/// 5.2.4 removes them (decoded, so <c>%2e%2e</c> counts too, as Kestrel's normaliser does): a
/// parameter never binds "." or "..", and <c>/users/x/..</c> is the path <c>/users/</c>. The
/// asterisk form (<c>OPTIONS *</c>) has no path and matches no template.
/// </remarks>
internal sealed class PathTemplate
{
    private readonly Segment[] _segments;
    private readonly string? _catchAll;

    private PathTemplate(string text, Segment[] segments, string? catchAll)
    {
        Text = text;
        _segments = segments;
        _catchAll = catchAll;
    }

    public string Text { get; }

    /// <summary>Parses a template.</summary>
    /// <exception cref="ArgumentException">The template is malformed; the message quotes it and says how.</exception>
    public static PathTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Length == 0 || template[0] != '/')
        {
            throw Invalid(template, "must start with '/'");
        }

        if (template.AsSpan().IndexOfAny('?', '#') is var at and >= 0)
        {
            // The template matches the path only (the query and fragment are cut off before matching),
            // so a '?' or '#' in it could never match a request that sends one.
            throw Invalid(template, $"contains '{template[at]}': a template matches the path only (use WithQuery for the query)");
        }

        var parts = template.Length == 1 ? [] : template[1..].Split('/');
        var segments = new List<Segment>(parts.Length);
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? catchAll = null;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.StartsWith('{') && part.EndsWith('}') && part.Length >= 2)
            {
                var name = part[1..^1];
                var isCatchAll = name.StartsWith('*');
                if (isCatchAll)
                {
                    name = name[1..];
                }

                if (name.Length == 0 || name.AsSpan().IndexOfAny("{}/*%") >= 0)
                {
                    throw Invalid(template, $"has an invalid parameter \"{part}\"");
                }

                if (!names.Add(name))
                {
                    throw Invalid(template, $"names \"{name}\" twice");
                }

                if (isCatchAll)
                {
                    if (i != parts.Length - 1)
                    {
                        throw Invalid(template, $"has {{*{name}}} before its last segment");
                    }

                    catchAll = name;
                    break;
                }

                segments.Add(new Segment(name, IsParameter: true));
            }
            else
            {
                segments.Add(new Segment(ParseLiteral(template, part), IsParameter: false));
            }
        }

        return new PathTemplate(template, [.. segments], catchAll);
    }

    /// <summary>Matches a raw (still percent-encoded) path, without its query.</summary>
    /// <returns>Null when it matches (with <paramref name="values"/> filled), else why not.</returns>
    public string? Match(string rawPath, Dictionary<string, string> values)
    {
        if (!rawPath.StartsWith('/'))
        {
            // The asterisk form of OPTIONS (RFC 9112 section 3.2.4) or an authority form: no path at all.
            return $"target {rawPath} has no path";
        }

        var path = DecodedSegments(rawPath);
        if (_catchAll is null ? path.Count != _segments.Length : path.Count < _segments.Length)
        {
            var expected = _catchAll is null ? $"{_segments.Length}" : $"at least {_segments.Length}";
            return $"path {rawPath} has {path.Count} segment{(path.Count == 1 ? string.Empty : "s")}, the template {expected}";
        }

        for (var i = 0; i < _segments.Length; i++)
        {
            var decoded = path[i];
            var segment = _segments[i];
            if (segment.IsParameter)
            {
                if (decoded.Length == 0)
                {
                    return $"path segment {i + 1} is empty, expected a value for {{{segment.Text}}}";
                }

                values[segment.Text] = decoded;
            }
            else if (!string.Equals(decoded, segment.Text, StringComparison.Ordinal))
            {
                return $"path segment {i + 1} is {RouteCondition.Quote(decoded)}, expected {RouteCondition.Quote(segment.Text)}";
            }
        }

        if (_catchAll is not null)
        {
            values[_catchAll] = string.Join('/', path.Skip(_segments.Length));
        }

        return null;
    }

    /// <summary>
    /// The path's segments, each percent-decoded, with its dot segments removed (RFC 3986 section
    /// 5.2.4): "." drops out, ".." drops itself and the segment before it (never above the root). A
    /// path ending in a dot segment keeps a trailing empty segment, as the RFC's algorithm leaves
    /// the trailing '/' in place (<c>/a/b/..</c> is <c>/a/</c>).
    /// </summary>
    private static List<string> DecodedSegments(string rawPath)
    {
        var result = new List<string>();
        if (rawPath.Length == 1)
        {
            return result;
        }

        var raw = rawPath[1..].Split('/');
        for (var i = 0; i < raw.Length; i++)
        {
            var decoded = Uri.UnescapeDataString(raw[i]);
            var last = i == raw.Length - 1;
            if (decoded is "." or "..")
            {
                if (decoded == ".." && result.Count > 0)
                {
                    result.RemoveAt(result.Count - 1);
                }

                if (last)
                {
                    result.Add(string.Empty);
                }

                continue;
            }

            result.Add(decoded);
        }

        if (result is [{ Length: 0 }])
        {
            result.Clear(); // "/a/.." is "/", the root, which has no segments (as "/" itself).
        }

        return result;
    }

    /// <summary>A literal segment, decoded; a bad percent-encoding or a dot segment is refused.</summary>
    private static string ParseLiteral(string template, string part)
    {
        if (part.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw Invalid(template, $"mixes text and a parameter in segment \"{part}\" (a parameter takes a whole segment)");
        }

        for (var i = part.IndexOf('%', StringComparison.Ordinal); i >= 0; i = part.IndexOf('%', i + 1))
        {
            if (i + 2 >= part.Length || !Uri.IsHexDigit(part[i + 1]) || !Uri.IsHexDigit(part[i + 2]))
            {
                throw Invalid(template, $"has a '%' that does not start a percent-encoding (%XX) in segment \"{part}\"");
            }
        }

        var decoded = Uri.UnescapeDataString(part);
        if (decoded is "." or "..")
        {
            // Request paths lose their dot segments before matching (RFC 3986 section 5.2.4).
            throw Invalid(template, $"has the dot segment \"{part}\", which no normalised request path contains");
        }

        return decoded;
    }

    private static ArgumentException Invalid(string template, string why) =>
        new($"The path template {RouteCondition.Quote(template)} {why}.", nameof(template));

    private readonly record struct Segment(string Text, bool IsParameter);
}
