namespace MockKit.Http2.Hpack;

/// <summary>
/// The static table of RFC 7541 Appendix A: 61 fixed entries at indices 1..61
/// (section 2.3.1). Dynamic table entries follow at index 62.
/// </summary>
public static class HpackStaticTable
{
    /// <summary>Number of entries (the static table occupies indices 1..61).</summary>
    public const int Count = 61;

    // Transcribed from RFC 7541 Appendix A; position i holds index i + 1.
    private static readonly HpackHeaderField[] s_entries =
    [
        new(":authority", ""),                     // 1
        new(":method", "GET"),                     // 2
        new(":method", "POST"),                    // 3
        new(":path", "/"),                         // 4
        new(":path", "/index.html"),               // 5
        new(":scheme", "http"),                    // 6
        new(":scheme", "https"),                   // 7
        new(":status", "200"),                     // 8
        new(":status", "204"),                     // 9
        new(":status", "206"),                     // 10
        new(":status", "304"),                     // 11
        new(":status", "400"),                     // 12
        new(":status", "404"),                     // 13
        new(":status", "500"),                     // 14
        new("accept-charset", ""),                 // 15
        new("accept-encoding", "gzip, deflate"),   // 16
        new("accept-language", ""),                // 17
        new("accept-ranges", ""),                  // 18
        new("accept", ""),                         // 19
        new("access-control-allow-origin", ""),    // 20
        new("age", ""),                            // 21
        new("allow", ""),                          // 22
        new("authorization", ""),                  // 23
        new("cache-control", ""),                  // 24
        new("content-disposition", ""),            // 25
        new("content-encoding", ""),               // 26
        new("content-language", ""),               // 27
        new("content-length", ""),                 // 28
        new("content-location", ""),               // 29
        new("content-range", ""),                  // 30
        new("content-type", ""),                   // 31
        new("cookie", ""),                         // 32
        new("date", ""),                           // 33
        new("etag", ""),                           // 34
        new("expect", ""),                         // 35
        new("expires", ""),                        // 36
        new("from", ""),                           // 37
        new("host", ""),                           // 38
        new("if-match", ""),                       // 39
        new("if-modified-since", ""),              // 40
        new("if-none-match", ""),                  // 41
        new("if-range", ""),                       // 42
        new("if-unmodified-since", ""),            // 43
        new("last-modified", ""),                  // 44
        new("link", ""),                           // 45
        new("location", ""),                       // 46
        new("max-forwards", ""),                   // 47
        new("proxy-authenticate", ""),             // 48
        new("proxy-authorization", ""),            // 49
        new("range", ""),                          // 50
        new("referer", ""),                        // 51
        new("refresh", ""),                        // 52
        new("retry-after", ""),                    // 53
        new("server", ""),                         // 54
        new("set-cookie", ""),                     // 55
        new("strict-transport-security", ""),      // 56
        new("transfer-encoding", ""),              // 57
        new("user-agent", ""),                     // 58
        new("vary", ""),                           // 59
        new("via", ""),                            // 60
        new("www-authenticate", ""),               // 61
    ];

    // Lookups for the encoder: the lowest index with a given name, and exact name/value matches.
    private static readonly Dictionary<string, int> s_nameIndex = BuildNameIndex();
    private static readonly Dictionary<(string Name, string Value), int> s_fieldIndex = BuildFieldIndex();

    /// <summary>The entry at a 1-based static index (1..61).</summary>
    public static HpackHeaderField Get(int index) => s_entries[index - 1];

    /// <summary>The lowest index whose name matches, or 0.</summary>
    public static int FindName(string name) => s_nameIndex.GetValueOrDefault(name);

    /// <summary>The index whose name and value both match, or 0.</summary>
    public static int FindField(string name, string value) => s_fieldIndex.GetValueOrDefault((name, value));

    private static Dictionary<string, int> BuildNameIndex()
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < s_entries.Length; i++)
        {
            map.TryAdd(s_entries[i].Name, i + 1);
        }

        return map;
    }

    private static Dictionary<(string, string), int> BuildFieldIndex()
    {
        var map = new Dictionary<(string, string), int>();
        for (int i = 0; i < s_entries.Length; i++)
        {
            map.TryAdd((s_entries[i].Name, s_entries[i].Value), i + 1);
        }

        return map;
    }
}
