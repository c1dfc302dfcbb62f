using System.Text;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The near-miss report of an unmatched request: a first line naming the request, then one line
/// per rule, in order, with the first condition that did not hold. The one text shared by the
/// fallback body, <see cref="UnmatchedRequestException"/> and the traffic log.
/// </summary>
internal static class NearMissReport
{
    public static string Build(RecordedRequest request, IReadOnlyList<RouteRule> rules, IReadOnlyList<string> misses)
    {
        var text = new StringBuilder();
        text.Append("No route matched ").Append(request.IsBookkeeping ? "(no request)" : RequestLine(request));
        if (rules.Count == 0)
        {
            text.Append("\n  (no routes)");
        }

        for (var i = 0; i < rules.Count; i++)
        {
            text.Append("\n  ").Append(i + 1).Append(". ").Append(rules[i].Description).Append(": ").Append(misses[i]);
        }

        return text.ToString();
    }

    /// <summary>The request line with credential query values redacted (the report is shown and logged).</summary>
    private static string RequestLine(RecordedRequest request)
    {
        var target = Redaction.Default.Target(request.Target);
        return target == request.Target
            ? request.RequestLine
            : request.RequestLine.Replace(request.Target, target, StringComparison.Ordinal);
    }
}
