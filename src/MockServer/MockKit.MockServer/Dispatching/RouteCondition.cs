namespace MockKit.MockServer.Dispatching;

/// <summary>
/// One condition of a route rule. <see cref="Check"/> is a pure function of the request and
/// returns null when the condition holds, otherwise the near-miss explanation: the request's
/// actual value beside the expected one.
/// </summary>
internal abstract class RouteCondition
{
    /// <summary>True when the condition reads the body, so it cannot be decided from the head alone.</summary>
    public virtual bool NeedsBody => false;

    public abstract string? Check(RecordedRequest request, Dictionary<string, string> values);

    /// <summary>Quotes a value for the report, shortened so a huge header or body cannot flood it.</summary>
    internal static string Quote(string value)
    {
        const int Max = 80;
        var shown = value.Length <= Max ? value : string.Concat(value.AsSpan(0, Max), "…");
        return "\"" + shown.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The request path as sent, percent-encoding intact, without query or fragment.</summary>
    internal static string RawPath(RecordedRequest request)
    {
        var target = request.Target;
        if (!target.StartsWith('/'))
        {
            // Absolute form (a proxy request) or authority form: take the URL's encoded path.
            return request.Url is { } url ? "/" + url.GetComponents(UriComponents.Path, UriFormat.UriEscaped) : target;
        }

        var end = target.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? target : target[..end];
    }

    /// <summary>The decoded query parameters in order (form style: '+' is a space).</summary>
    internal static List<KeyValuePair<string, string>> Query(RecordedRequest request)
    {
        var target = request.Target;
        var start = target.IndexOf('?', StringComparison.Ordinal);
        var result = new List<KeyValuePair<string, string>>();
        if (start < 0)
        {
            return result;
        }

        var query = target[(start + 1)..];
        var hash = query.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            query = query[..hash];
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? string.Empty : pair[(eq + 1)..];
            result.Add(new(Decode(name), Decode(value)));
        }

        return result;
    }

    /// <summary>A query name or value decoded form style ('+' is a space, then percent-decoding).</summary>
    internal static string DecodeQueryComponent(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    private static string Decode(string text) => DecodeQueryComponent(text);

    /// <summary>
    /// A credential value for a near-miss report: whether it matched, never what it is. An
    /// <c>Authorization</c>-style value keeps its scheme (RFC 9110 section 11.4: <c>Bearer</c>,
    /// <c>Basic</c>), which is not secret and often the whole mistake.
    /// </summary>
    internal static string QuoteSecret(string value)
    {
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space > 0 && value.AsSpan(0, space).IndexOfAny('=', ',') < 0 ? value[..(space + 1)] : string.Empty;
        return Quote(scheme + Redaction.Redacted);
    }
}

/// <summary>The request method equals the rule's (ordinal: RFC 9110 section 9.1, methods are case-sensitive); "*" is any.</summary>
internal sealed class MethodCondition(string method) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values) =>
        method == "*" || string.Equals(request.Method, method, StringComparison.Ordinal)
            ? null
            : $"method is {request.Method}, expected {method}";
}

/// <summary>The path matches the template; fills the route values.</summary>
internal sealed class PathCondition(PathTemplate template) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values) =>
        template.Match(RawPath(request), values);
}

/// <summary>Some value of the header equals the expected one (name case-insensitive, value ordinal).</summary>
internal sealed class HeaderCondition(string name, string value) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        var actual = request.Headers.GetValues(name);
        if (actual.Contains(value, StringComparer.Ordinal))
        {
            return null;
        }

        if (Redaction.Default.IsSecretHeader(name))
        {
            // A credential: say that it differs, never what it is (the report reaches the 404 body,
            // the traffic log, ILogger and Failure.Message).
            var secret = actual.Count == 0 ? "missing" : "is " + string.Join(", ", actual.Select(QuoteSecret));
            return $"header {name} {secret}, expected {QuoteSecret(value)} (values redacted; {(actual.Count == 0 ? "none sent" : "they differ")})";
        }

        var shown = actual.Count == 0 ? "missing" : "is " + string.Join(", ", actual.Select(Quote));
        return $"header {name} {shown}, expected {Quote(value)}";
    }
}

/// <summary>The request's Content-Type names the expected media type; its parameters (charset, boundary) are not compared.</summary>
internal sealed class ContentTypeCondition(string mediaType) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        var actual = request.Headers.GetValues("Content-Type");
        if (actual.Count == 1
            && System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(actual[0], out var parsed)
            && string.Equals(parsed.MediaType, mediaType, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var shown = actual.Count == 0 ? "missing" : "is " + string.Join(", ", actual.Select(Quote));
        return $"content type {shown}, expected media type {Quote(mediaType)}";
    }
}

/// <summary>Some occurrence of the query parameter has the expected decoded value; others may be present.</summary>
internal sealed class QueryCondition(string name, string value) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        var actual = Query(request).Where(p => p.Key == name).Select(p => p.Value).ToList();
        if (actual.Contains(value, StringComparer.Ordinal))
        {
            return null;
        }

        if (Redaction.Default.IsSecretQueryParameter(name))
        {
            var secret = actual.Count == 0 ? "missing" : "is " + string.Join(", ", actual.Select(_ => Quote(Redaction.Redacted)));
            return $"query {name} {secret}, expected {Quote(Redaction.Redacted)} (values redacted; {(actual.Count == 0 ? "none sent" : "they differ")})";
        }

        var shown = actual.Count == 0 ? "missing" : "is " + string.Join(", ", actual.Select(Quote));
        return $"query {name} {shown}, expected {Quote(value)}";
    }
}

/// <summary>The UTF-8 body satisfies a predicate the test described.</summary>
internal sealed class BodyCondition(Func<string, bool> predicate, string description) : RouteCondition
{
    public override bool NeedsBody => true;

    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        var body = request.BodyText;
        return predicate(body) ? null : $"body {Quote(body)} is not {description}";
    }
}

/// <summary>A condition on the request head given by a caller (<see cref="RouteBuilder.WithHeadCondition"/>): null when it holds, else why not.</summary>
internal sealed class HeadCondition(Func<RecordedRequest, string?> check) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values) => check(request);
}

/// <summary>A whole-request predicate the test described (it may read the body).</summary>
internal sealed class PredicateCondition(Func<RecordedRequest, bool> predicate, string description) : RouteCondition
{
    public override bool NeedsBody => true;

    public override string? Check(RecordedRequest request, Dictionary<string, string> values) =>
        predicate(request) ? null : $"{description} does not hold";
}

/// <summary>The target equals the recorded one exactly (path and query as sent).</summary>
internal sealed class TargetCondition(string target) : RouteCondition
{
    public override string? Check(RecordedRequest request, Dictionary<string, string> values) =>
        string.Equals(request.Target, target, StringComparison.Ordinal)
            ? null
            : $"target is {Quote(Redaction.Default.Target(request.Target))}, expected {Quote(Redaction.Default.Target(target))}";
}
