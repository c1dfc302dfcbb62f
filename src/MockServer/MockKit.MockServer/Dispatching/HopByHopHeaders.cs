namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The fields a forwarding intermediary must not pass on. RFC 9110 section 7.6.1: "Connection",
/// the fields it names, and the connection-specific fields Proxy-Connection, Keep-Alive, TE,
/// Transfer-Encoding and Upgrade. Content-Length is also left to the next hop's own framing, and
/// Host is rewritten to the upstream (section 7.2).
/// </summary>
internal static class HopByHopHeaders
{
    private static readonly HashSet<string> Always = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Proxy-Connection", "Keep-Alive", "TE", "Transfer-Encoding", "Upgrade", "Content-Length", "Host",
    };

    /// <summary>The fields of <paramref name="fields"/> to forward, in order.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Filter(IEnumerable<KeyValuePair<string, string>> fields, params string[] alsoDrop)
    {
        var list = fields.ToList();
        var named = new HashSet<string>(alsoDrop, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in list)
        {
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var token in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    named.Add(token);
                }
            }
        }

        return list.Where(f => !Always.Contains(f.Key) && !named.Contains(f.Key));
    }
}
