namespace MockKit.Http1;

/// <summary>A parsed request head (RFC 9112 section 3): request line and field lines.</summary>
/// <param name="Method">The method token, case-sensitive as sent.</param>
/// <param name="Target">The request-target as sent (origin-, absolute-, authority- or asterisk-form).</param>
/// <param name="Version">HTTP/1.0 or HTTP/1.1.</param>
/// <param name="RequestLine">The request line without its CRLF.</param>
/// <param name="Headers">Field lines in wire order.</param>
public sealed record Http1RequestHead(
    string Method,
    string Target,
    Protocol Version,
    string RequestLine,
    List<KeyValuePair<string, string>> Headers);

/// <summary>A parsed response head (RFC 9112 section 4): status line and field lines. A struct: the
/// client parses one per exchange, and its list comes from the connection's <see cref="Http1FieldCache"/>.</summary>
/// <param name="Version">HTTP/1.0 or HTTP/1.1.</param>
/// <param name="StatusCode">The three-digit status code.</param>
/// <param name="Reason">The reason phrase (may be empty).</param>
/// <param name="Headers">Field lines in wire order.</param>
public readonly record struct Http1ResponseHead(
    Protocol Version,
    int StatusCode,
    string Reason,
    List<KeyValuePair<string, string>> Headers);
