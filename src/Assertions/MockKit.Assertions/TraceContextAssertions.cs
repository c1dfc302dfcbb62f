using System.Diagnostics;
using MockKit.MockServer;

namespace MockKit.Assertions;

/// <summary>
/// Assertions on the W3C trace context (<c>traceparent</c>) a request carried, for tests that
/// check an application propagates its trace to the services it calls.
/// </summary>
public static class TraceContextAssertions
{
    /// <summary>
    /// Asserts the request carried exactly one valid W3C <c>traceparent</c> (version 00) in the trace
    /// of <paramref name="activity"/>: the same trace id. The parent span id is not compared, because a
    /// client that traces its own requests (as <c>SocketsHttpHandler</c> and <c>InstrumentedHandler</c>
    /// do) sends its request span, a child of <paramref name="activity"/>; it must only be valid.
    /// </summary>
    /// <param name="request">The recorded request.</param>
    /// <param name="activity">The activity the request was made under (a W3C-format activity).</param>
    /// <returns>The request.</returns>
    /// <exception cref="Shouldly.ShouldAssertException">No or several <c>traceparent</c> headers, a malformed
    /// one, or another trace id; the message shows the expected and actual trace ids and the request.</exception>
    public static RecordedRequest ShouldHaveTraceParent(this RecordedRequest request, Activity activity)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.IdFormat != ActivityIdFormat.W3C)
        {
            throw new ArgumentException($"The activity '{activity.OperationName}' has a {activity.IdFormat} id; a traceparent carries W3C ids only.", nameof(activity));
        }

        var expected = $"trace id {activity.TraceId.ToHexString()}";
        var values = request.Headers.GetValues("traceparent");
        string? problem = values.Count switch
        {
            0 => "no traceparent header",
            > 1 => $"{values.Count} traceparent headers: {string.Join(", ", values)}",
            _ => null,
        };
        if (problem is null)
        {
            var value = values[0];
            if (!TryParse(value, out var traceId))
            {
                problem = $"a malformed traceparent \"{value}\"";
            }
            else if (traceId != activity.TraceId.ToHexString())
            {
                problem = $"trace id {traceId} (traceparent \"{value}\")";
            }
        }

        if (problem is null)
        {
            return request;
        }

        throw AssertionFailure.Create("request", "have traceparent in the activity's trace", expected, problem, RecordedRequestAssertions.Describe(request));
    }

    /// <summary>Parses <c>00-{32 hex trace id}-{16 hex parent id}-{2 hex flags}</c> (W3C Trace Context, section 3.2):
    /// lower-case hex, neither id all zeros.</summary>
    private static bool TryParse(string value, out string traceId)
    {
        traceId = string.Empty;
        var parts = value.Split('-');
        if (parts is not ["00", { Length: 32 } trace, { Length: 16 } parent, { Length: 2 } flags]
            || !IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(flags)
            || trace.All(c => c == '0') || parent.All(c => c == '0'))
        {
            return false;
        }

        traceId = trace;
        return true;
    }

    private static bool IsLowerHex(string s) => s.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
