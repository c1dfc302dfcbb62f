using System.Text.RegularExpressions;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Interop;

/// <summary>What one h2spec run reported: the summary counts and the text of its failed cases.</summary>
internal sealed partial record H2SpecReport(int ExitCode, int Tests, int Passed, int Skipped, int Failed, string Failures, string Output)
{
    /// <summary>True when h2spec exited 0 and every one of the expected cases passed.</summary>
    public bool AllPassed => ExitCode == 0 && Tests == H2Spec.CaseCount && Passed == H2Spec.CaseCount;

    public static H2SpecReport Parse(ExternalProcess.Result result)
    {
        var output = result.StandardOutput;
        var summary = SummaryLine().Match(output);
        var failuresAt = output.IndexOf("Failures:", StringComparison.Ordinal);
        var failures = failuresAt >= 0 ? output[failuresAt..].Trim() : string.Empty;
        return summary.Success
            ? new H2SpecReport(result.ExitCode, Count(summary, 1), Count(summary, 2), Count(summary, 3), Count(summary, 4), failures, result.ToString())
            : new H2SpecReport(result.ExitCode, 0, 0, 0, 0, failures, result.ToString());
    }

    /// <summary>The failed cases as h2spec printed them, or its whole output when it printed no summary.</summary>
    public override string ToString() =>
        Tests == 0 ? $"h2spec printed no summary:\n{Output}"
        : $"{Tests} tests, {Passed} passed, {Skipped} skipped, {Failed} failed (exit {ExitCode})\n{(Failures.Length > 0 ? Failures : Output)}";

    private static int Count(Match match, int group) => int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed")]
    private static partial Regex SummaryLine();
}
