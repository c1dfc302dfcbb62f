using MockKit.Http2.Hpack;

namespace MockKit.Http2.Engine;

/// <summary>
/// Field names as HTTP/2 sends them, for both roles' messages: lower-case (RFC 9113 section 8.2.1:
/// "field names MUST be converted to lowercase when constructing an HTTP/2 message"). The names of
/// the HPACK static table (RFC 7541 appendix A), the common ones, come from a table instead of a
/// fresh string per message; any other name is lower-cased (no copy when it already is).
/// </summary>
public static class Http2FieldNames
{
    private const int StaticTableSize = 61; // RFC 7541 appendix A.

    private static readonly Dictionary<string, string> s_known = Build();

    /// <summary>The lower-case form of <paramref name="name"/>.</summary>
    /// <param name="name">A field name as the application spelled it.</param>
    public static string Lower(string name) => s_known.TryGetValue(name, out var lower) ? lower : name.ToLowerInvariant();

    private static Dictionary<string, string> Build()
    {
        var known = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var index = 1; index <= StaticTableSize; index++)
        {
            var name = HpackStaticTable.Get(index).Name;
            if (!name.StartsWith(':'))
            {
                known.TryAdd(name, name);
            }
        }

        return known;
    }
}
