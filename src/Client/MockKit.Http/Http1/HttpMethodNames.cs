namespace MockKit.Http1;

/// <summary>
/// The request methods the HTTP specifications define (RFC 9110 section 9.3 and RFC 5789's
/// PATCH), for bounding what telemetry records: both ends tag a defined method by its canonical
/// name and anything else as one "other" value, so a peer sending arbitrary tokens cannot grow a
/// meter's series without limit.
/// </summary>
public static class HttpMethodNames
{
    private static readonly string[] s_defined =
    [
        "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "PATCH", "CONNECT",
    ];

    /// <summary>
    /// The canonical (upper-case) name of <paramref name="method"/> when the specifications define
    /// it, matched case-insensitively as the runtime's own instrumentation does; null for any other.
    /// </summary>
    /// <param name="method">A method as sent or received, e.g. <c>get</c> or <c>PROPFIND</c>.</param>
    public static string? Canonical(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        foreach (var defined in s_defined)
        {
            if (string.Equals(method, defined, StringComparison.OrdinalIgnoreCase))
            {
                return defined;
            }
        }

        return null;
    }
}
