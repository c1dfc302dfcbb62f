namespace MockKit.MockServer;

/// <summary>
/// Name lookups over an ordered list of header fields, shared by the response side
/// (<see cref="MockHeaders"/>) and the request side (<see cref="RecordedHeaders"/>): field names
/// compare case-insensitively (RFC 9110 section 5.1), and a repeated name keeps every value in order.
/// Loops over a span, not LINQ: the servers look fields up for every request, and iterators and
/// closures would cost more than the answer.
/// </summary>
internal static class FieldLookup
{
    /// <summary>The last value of <paramref name="name"/>, or null when absent.</summary>
    public static string? Last(ReadOnlySpan<KeyValuePair<string, string>> fields, string name)
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
    public static IReadOnlyList<string> All(ReadOnlySpan<KeyValuePair<string, string>> fields, string name)
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
