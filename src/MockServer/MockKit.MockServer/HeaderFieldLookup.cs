namespace MockKit.MockServer;

/// <summary>
/// Lookup by name over an ordered list of header fields, names compared case-insensitively
/// (RFC 9110 section 5.1): the one implementation behind <see cref="MockHeaders"/> (a response's
/// fields, changeable) and <see cref="RecordedHeaders"/> (a request's, frozen), which differ only
/// in how they hold their fields.
/// </summary>
/// <remarks>
/// Loops over a span, not LINQ: the servers look fields up per request and per response, and the
/// iterators and closures would cost more than the answer.
/// </remarks>
internal static class HeaderFieldLookup
{
    /// <summary>The last value of <paramref name="name"/>, or null when absent.</summary>
    public static string? LastValue(ReadOnlySpan<KeyValuePair<string, string>> fields, string name)
    {
        for (var i = fields.Length - 1; i >= 0; i--)
        {
            if (fields[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return fields[i].Value;
            }
        }

        return null;
    }

    /// <summary>Every value of <paramref name="name"/>, in order (empty when absent).</summary>
    public static IReadOnlyList<string> Values(ReadOnlySpan<KeyValuePair<string, string>> fields, string name)
    {
        List<string>? values = null;
        foreach (var (key, value) in fields)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= new List<string>(1)).Add(value);
            }
        }

        return values ?? (IReadOnlyList<string>)[];
    }

    /// <summary>True when a field named <paramref name="name"/> is present.</summary>
    public static bool Contains(ReadOnlySpan<KeyValuePair<string, string>> fields, string name)
    {
        foreach (var field in fields)
        {
            if (field.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
