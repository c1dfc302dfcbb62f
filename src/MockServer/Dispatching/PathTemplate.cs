namespace MockKit.MockServer.Dispatching;

/// <summary>
/// A parsed route template such as <c>/users/{id}</c> or <c>/files/{*rest}</c>. Literal segments
/// match the request's percent-decoded segment exactly (ordinal: RFC 3986 section 6.2.2.1 makes
/// only the scheme and host case-insensitive); <c>{name}</c> takes one whole segment; a trailing
/// <c>{*name}</c> takes the rest of the path (possibly empty). Immutable.
/// </summary>
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

    public static PathTemplate Parse(string template)
    {
        ArgumentException.ThrowIfNullOrEmpty(template);
        if (template[0] != '/')
        {
            throw new ArgumentException($"The path template \"{template}\" must start with '/'.", nameof(template));
        }

        var parts = template.Length == 1 ? [] : template[1..].Split('/');
        var segments = new List<Segment>(parts.Length);
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? catchAll = null;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.StartsWith('{') && part.EndsWith('}'))
            {
                var name = part[1..^1];
                var isCatchAll = name.StartsWith('*');
                if (isCatchAll)
                {
                    name = name[1..];
                }

                if (name.Length == 0 || name.AsSpan().IndexOfAny("{}/*") >= 0)
                {
                    throw new ArgumentException($"The path template \"{template}\" has an invalid parameter \"{part}\".", nameof(template));
                }

                if (!names.Add(name))
                {
                    throw new ArgumentException($"The path template \"{template}\" names \"{name}\" twice.", nameof(template));
                }

                if (isCatchAll)
                {
                    if (i != parts.Length - 1)
                    {
                        throw new ArgumentException($"The path template \"{template}\" has {{*{name}}} before its last segment.", nameof(template));
                    }

                    catchAll = name;
                    break;
                }

                segments.Add(new Segment(name, IsParameter: true));
            }
            else
            {
                if (part.AsSpan().IndexOfAny('{', '}') >= 0)
                {
                    throw new ArgumentException($"The path template \"{template}\" mixes text and a parameter in segment \"{part}\" (a parameter takes a whole segment).", nameof(template));
                }

                segments.Add(new Segment(part, IsParameter: false));
            }
        }

        return new PathTemplate(template, [.. segments], catchAll);
    }

    /// <summary>Matches a raw (still percent-encoded) path, without its query.</summary>
    /// <returns>Null when it matches (with <paramref name="values"/> filled), else why not.</returns>
    public string? Match(string rawPath, Dictionary<string, string> values)
    {
        var raw = rawPath.Length <= 1 ? [] : rawPath[1..].Split('/');
        if (_catchAll is null ? raw.Length != _segments.Length : raw.Length < _segments.Length)
        {
            var expected = _catchAll is null ? $"{_segments.Length}" : $"at least {_segments.Length}";
            return $"path {rawPath} has {raw.Length} segment{(raw.Length == 1 ? string.Empty : "s")}, the template {expected}";
        }

        for (var i = 0; i < _segments.Length; i++)
        {
            var decoded = Uri.UnescapeDataString(raw[i]);
            var segment = _segments[i];
            if (segment.IsParameter)
            {
                values[segment.Text] = decoded;
            }
            else if (!string.Equals(decoded, segment.Text, StringComparison.Ordinal))
            {
                return $"path segment {i + 1} is \"{decoded}\", expected \"{segment.Text}\"";
            }
        }

        if (_catchAll is not null)
        {
            values[_catchAll] = Uri.UnescapeDataString(string.Join('/', raw, _segments.Length, raw.Length - _segments.Length));
        }

        return null;
    }

    private readonly record struct Segment(string Text, bool IsParameter);
}
