namespace MockKit.Client.Diagnostics;

/// <summary>
/// How the handler shows a URI in its log entries and exception messages: by default as the
/// runtime's HttpClient logging does since .NET 9 — user info removed, the query's value replaced by
/// <c>*</c> (query strings and user info carry tokens and passwords) — or as given when
/// <see cref="InstrumentedHandler.DisableUriRedaction"/> is set.
/// </summary>
internal static class UriRedaction
{
    public static string Show(Uri? uri, bool disableRedaction)
    {
        if (uri is null)
        {
            return "(no URI)";
        }

        if (disableRedaction)
        {
            return uri.ToString();
        }

        if (uri.IsAbsoluteUri)
        {
            return HttpTags.RedactedUrl(uri);
        }

        var text = uri.OriginalString;
        var query = text.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? text : text[..(query + 1)] + "*";
    }

    /// <summary>A proxy address without its user info: proxy credentials are never shown, redaction or not.</summary>
    public static string Proxy(Uri proxy) =>
        proxy.IsAbsoluteUri && proxy.UserInfo.Length > 0
            ? proxy.GetComponents(UriComponents.SchemeAndServer | UriComponents.PathAndQuery, UriFormat.UriEscaped)
            : proxy.ToString();
}
