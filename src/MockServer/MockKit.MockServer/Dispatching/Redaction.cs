using System.Text;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// Which header and query values are credentials, and how they are written when they must not be
/// shown: the one rule behind recordings files and near-miss reports.
/// </summary>
internal sealed class Redaction
{
    public const string Redacted = "REDACTED";

    private readonly HashSet<string> _headers;
    private readonly HashSet<string> _queryParameters;

    public Redaction(RecordingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _headers = new(options.RedactHeaders, StringComparer.OrdinalIgnoreCase);
        _queryParameters = new(options.RedactQueryParameters, StringComparer.OrdinalIgnoreCase);
        if (!options.IncludeSecrets)
        {
            _headers.UnionWith(RecordingOptions.DefaultRedactedHeaders);
            _queryParameters.UnionWith(RecordingOptions.DefaultRedactedQueryParameters);
        }
    }

    /// <summary>The defaults: credential headers and conventional credential query parameters.</summary>
    public static Redaction Default { get; } = new(new RecordingOptions());

    public bool IsSecretHeader(string name) => _headers.Contains(name);

    public bool IsSecretQueryParameter(string name) => _queryParameters.Contains(name);

    /// <summary>
    /// The value to show for a header: as is, or redacted. <c>Set-Cookie</c> keeps its cookie name and
    /// attributes (RFC 6265 section 4.1: <c>name=value; attributes</c>), which say what was set without
    /// the secret itself.
    /// </summary>
    public string HeaderValue(string name, string value)
    {
        if (!IsSecretHeader(name))
        {
            return value;
        }

        if (name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            var semicolon = value.IndexOf(';', StringComparison.Ordinal);
            if (eq > 0 && (semicolon < 0 || eq < semicolon))
            {
                return string.Concat(value.AsSpan(0, eq + 1), Redacted, semicolon < 0 ? string.Empty : value[semicolon..]);
            }
        }

        return Redacted;
    }

    /// <summary>
    /// The target with the values of secret query parameters replaced by <c>REDACTED</c>; everything
    /// else (path, other parameters, their order and percent-encoding) exactly as sent.
    /// </summary>
    public string Target(string target)
    {
        var start = target.IndexOf('?', StringComparison.Ordinal);
        if (start < 0)
        {
            return target;
        }

        var end = target.IndexOf('#', start);
        var query = end < 0 ? target[(start + 1)..] : target[(start + 1)..end];
        var text = new StringBuilder(target.Length).Append(target, 0, start + 1);
        var first = true;
        foreach (var pair in query.Split('&'))
        {
            if (!first)
            {
                text.Append('&');
            }

            first = false;
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0 && IsSecretQueryParameter(RouteCondition.DecodeQueryComponent(pair[..eq])))
            {
                text.Append(pair, 0, eq + 1).Append(Redacted);
            }
            else
            {
                text.Append(pair);
            }
        }

        return end < 0 ? text.ToString() : text.Append(target, end, target.Length - end).ToString();
    }

    /// <summary>
    /// A request line for the traffic log: an absolute-form target (a proxy request, RFC 9112 section
    /// 3.2.2) may carry user info and credentials in its query, so it is logged as <see cref="Url"/>
    /// shows it; other forms as sent (the test's own server, whose tests read their targets).
    /// </summary>
    public static string LoggedRequestLine(string target, string requestLine)
    {
        if (target.StartsWith('/') || !target.Contains("://", StringComparison.Ordinal))
        {
            return requestLine;
        }

        var at = requestLine.IndexOf(target, StringComparison.Ordinal);
        return at < 0 ? requestLine : string.Concat(requestLine.AsSpan(0, at), Url(target), requestLine.AsSpan(at + target.Length));
    }

    /// <summary>A URL for a log line: user info removed, the query replaced by <c>*</c> (what the runtime's HttpClient logging does).</summary>
    public static string Url(string target)
    {
        if (!Uri.TryCreate(target, UriKind.Absolute, out var url))
        {
            var query = target.IndexOf('?', StringComparison.Ordinal);
            return query < 0 ? target : target[..(query + 1)] + "*";
        }

        var shown = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        return url.Query.Length > 0 ? shown + "?*" : shown;
    }
}
