using System.Globalization;
using MockKit.MockServer;

namespace MockKit.Tool.Stubs;

/// <summary>
/// Every named <see cref="SocketPolicy"/> by its <see cref="SocketPolicy.Name"/>, for stub files and
/// the admin API: the parameterless names as they are, and the three that take a parameter either
/// bare (its default) or with it in parentheses, exactly as <see cref="SocketPolicy.Name"/> prints
/// them: <c>DisconnectDuringResponseBody(100)</c>, <c>ResetStreamAtStart(RefusedStream)</c>,
/// <c>DoNotReadRequestBody(NoError)</c>. So a policy's name always parses back to the same policy.
/// </summary>
internal static class SocketPolicyNames
{
    private static readonly Dictionary<string, SocketPolicy> Plain = new(StringComparer.Ordinal)
    {
        [nameof(SocketPolicy.KeepOpen)] = SocketPolicy.KeepOpen,
        [nameof(SocketPolicy.DisconnectAtStart)] = SocketPolicy.DisconnectAtStart,
        [nameof(SocketPolicy.DisconnectAfterRequest)] = SocketPolicy.DisconnectAfterRequest,
        [nameof(SocketPolicy.DisconnectDuringRequestBody)] = SocketPolicy.DisconnectDuringRequestBody,
        [nameof(SocketPolicy.DisconnectAtEnd)] = SocketPolicy.DisconnectAtEnd,
        [nameof(SocketPolicy.UpgradeToSslAtEnd)] = SocketPolicy.UpgradeToSslAtEnd,
        [nameof(SocketPolicy.ShutdownInputAtEnd)] = SocketPolicy.ShutdownInputAtEnd,
        [nameof(SocketPolicy.ShutdownOutputAtEnd)] = SocketPolicy.ShutdownOutputAtEnd,
        [nameof(SocketPolicy.ShutdownServerAfterResponse)] = SocketPolicy.ShutdownServerAfterResponse,
        [nameof(SocketPolicy.StallSocketAtStart)] = SocketPolicy.StallSocketAtStart,
        [nameof(SocketPolicy.NoResponse)] = SocketPolicy.NoResponse,
        [nameof(SocketPolicy.ExpectContinue)] = SocketPolicy.ExpectContinue,
        [nameof(SocketPolicy.ContinueAlways)] = SocketPolicy.ContinueAlways,
    };

    /// <summary>
    /// Why a policy the standalone server cannot apply is refused, or null when it can. Responses
    /// are claimed when a request head arrives (the next connection may be an admin call), so a
    /// policy that acts on a connection's TLS handshake would never act: a stub naming it is an
    /// error, not a silent no-op.
    /// </summary>
    public static string? NotApplicable(string name) => name == nameof(SocketPolicy.FailHandshake)
        ? $"{nameof(SocketPolicy.FailHandshake)} cannot act in the standalone server: its responses are claimed when a request head arrives, after the TLS handshake. Use it with a MockWebServer in a test."
        : null;

    /// <summary>Every accepted spelling's stem, for error messages and the schema.</summary>
    public static IEnumerable<string> All =>
        Plain.Keys.Concat([nameof(SocketPolicy.DisconnectDuringResponseBody), nameof(SocketPolicy.ResetStreamAtStart), nameof(SocketPolicy.DoNotReadRequestBody)]);

    /// <summary>The policy <paramref name="name"/> names, or null.</summary>
    public static SocketPolicy? Parse(string name)
    {
        if (Plain.TryGetValue(name, out var plain))
        {
            return plain;
        }

        var open = name.IndexOf('(', StringComparison.Ordinal);
        var stem = open < 0 ? name : name[..open];
        string? argument = null;
        if (open >= 0)
        {
            if (!name.EndsWith(')'))
            {
                return null;
            }

            argument = name[(open + 1)..^1];
        }

        switch (stem)
        {
            case nameof(SocketPolicy.DisconnectDuringResponseBody):
                if (argument is null)
                {
                    return SocketPolicy.DisconnectDuringResponseBody();
                }

                return long.TryParse(argument, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bytes) && bytes >= -1
                    ? SocketPolicy.DisconnectDuringResponseBody(bytes)
                    : null;
            case nameof(SocketPolicy.ResetStreamAtStart):
                return argument is null ? SocketPolicy.ResetStreamAtStart() : ErrorCode(argument) is { } reset ? SocketPolicy.ResetStreamAtStart(reset) : null;
            case nameof(SocketPolicy.DoNotReadRequestBody):
                return argument is null ? SocketPolicy.DoNotReadRequestBody() : ErrorCode(argument) is { } code ? SocketPolicy.DoNotReadRequestBody(code) : null;
            default:
                return null;
        }
    }

    private static Http2ErrorCode? ErrorCode(string name) =>
        Enum.TryParse<Http2ErrorCode>(name, ignoreCase: false, out var code) && Enum.IsDefined(code) && !char.IsDigit(name[0]) ? code : null;
}
