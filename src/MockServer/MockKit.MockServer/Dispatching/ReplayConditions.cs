using System.Text;
using System.Text.Json;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The recorded target with redacted query values: the path and every other parameter exactly as
/// recorded, in order; a parameter recorded as <c>REDACTED</c> must be present with any value (the
/// recording never knew it, so replay cannot ask for it).
/// </summary>
internal sealed class RecordedTargetCondition(string target) : RouteCondition
{
    private readonly (string Path, string[] Pairs) _recorded = Split(target);

    public static bool HasRedactedQuery(string target) =>
        target.Contains('?', StringComparison.Ordinal) && Split(target).Pairs.Any(IsRedacted);

    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        var (path, pairs) = Split(request.Target);
        var (recordedPath, recordedPairs) = _recorded;
        var matches = path == recordedPath && pairs.Length == recordedPairs.Length
            && pairs.Zip(recordedPairs).All(p => p.First == p.Second || (IsRedacted(p.Second) && Name(p.First) == Name(p.Second)));
        return matches
            ? null
            : $"target is {Quote(Redaction.Default.Target(request.Target))}, expected {Quote(target)} (REDACTED: any value)";
    }

    private static bool IsRedacted(string pair) => pair.EndsWith("=" + Redaction.Redacted, StringComparison.Ordinal);

    private static string Name(string pair) => pair[..Math.Max(0, pair.IndexOf('=', StringComparison.Ordinal))];

    private static (string Path, string[] Pairs) Split(string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var withoutFragment = hash < 0 ? target : target[..hash];
        var question = withoutFragment.IndexOf('?', StringComparison.Ordinal);
        return question < 0
            ? (withoutFragment, [])
            : (withoutFragment[..question], withoutFragment[(question + 1)..].Split('&'));
    }
}

/// <summary>
/// The body equals the recorded one byte for byte; for a body recorded cut short (only its first
/// BodyLimit bytes kept), the request must have the recorded size and begin with the kept prefix
/// (as far as this server's own BodyLimit kept the request's body).
/// </summary>
internal sealed class BodyEqualsCondition(byte[] expected, long? truncatedSize) : RouteCondition
{
    public override bool NeedsBody => true;

    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        var size = truncatedSize ?? expected.Length;
        var compared = Math.Min(expected.Length, request.Body.Length);
        var matches = request.BodySize == size
            && (truncatedSize is null
                ? request.Body.AsSpan().SequenceEqual(expected)
                : request.Body.AsSpan(0, compared).SequenceEqual(expected.AsSpan(0, compared)));
        if (matches)
        {
            return null;
        }

        var what = truncatedSize is null ? "the recorded" : $"a body of {size} bytes starting with the recorded";
        return $"body {Quote(request.BodyText)} ({request.BodySize} bytes), expected {what} {Quote(Encoding.UTF8.GetString(expected))} ({expected.Length} bytes)";
    }
}

/// <summary>
/// The body, parsed as JSON, equals the recorded <c>bodyJson</c> structurally: object members in any
/// order, whitespace ignored, numbers by value as written (<see cref="JsonElement.DeepEquals"/>).
/// </summary>
/// <param name="expected">The recorded JSON value.</param>
/// <param name="shown">The recorded value written compactly, for the report.</param>
internal sealed class JsonBodyCondition(JsonElement expected, string shown) : RouteCondition
{
    public override bool NeedsBody => true;

    public override string? Check(RecordedRequest request, Dictionary<string, string> values)
    {
        if (request.BodySize > request.Body.LongLength)
        {
            return $"body ({request.BodySize} bytes) was cut at BodyLimit, so it cannot be compared as JSON";
        }

        try
        {
            using var actual = JsonDocument.Parse(request.Body);
            if (JsonElement.DeepEquals(actual.RootElement, expected))
            {
                return null;
            }
        }
        catch (JsonException e)
        {
            return $"body {Quote(request.BodyText)} is not JSON ({e.Message}), expected the recorded JSON {Quote(shown)}";
        }

        return $"body {Quote(request.BodyText)} is not the recorded JSON {Quote(shown)} (compared structurally)";
    }
}
