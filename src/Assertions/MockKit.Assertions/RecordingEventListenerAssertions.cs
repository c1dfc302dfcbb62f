using System.Text;
using MockKit.Client;

namespace MockKit.Assertions;

/// <summary>Assertions on the call events a <see cref="RecordingEventListener"/> recorded.</summary>
public static class RecordingEventListenerAssertions
{
    /// <summary>
    /// Asserts the recorded event names, in order, are exactly <paramref name="names"/>
    /// (e.g. <c>"CallStart", "ProxySelectStart", …</c>): every event, none left out. To check only
    /// some events in their order, use <see cref="ShouldHaveEventsInOrder"/>. On a mismatch the message lists both
    /// sequences and a line-by-line diff (<c>-</c> expected but missing, <c>+</c> recorded but not expected).
    /// </summary>
    /// <param name="listener">The listener.</param>
    /// <param name="names">The expected event names.</param>
    /// <returns>The listener.</returns>
    public static RecordingEventListener ShouldHaveEvents(this RecordingEventListener listener, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(names);
        var actual = listener.Events.Select(e => e.Name).ToArray();
        if (!actual.SequenceEqual(names))
        {
            throw AssertionFailure.Create("events", "be", AssertionFailure.Show(names), AssertionFailure.Show(actual), "difference:\n" + Diff(names, actual));
        }

        return listener;
    }

    /// <summary>Asserts the events of one call (by call id), in order, are exactly <paramref name="names"/>.</summary>
    /// <param name="listener">The listener.</param>
    /// <param name="callId">The call whose events to compare.</param>
    /// <param name="names">The expected event names.</param>
    /// <returns>The listener.</returns>
    public static RecordingEventListener ShouldHaveEventsForCall(this RecordingEventListener listener, long callId, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(names);
        var actual = listener.Events.Where(e => e.CallId == callId).Select(e => e.Name).ToArray();
        if (!actual.SequenceEqual(names))
        {
            throw AssertionFailure.Create($"events of call {callId}", "be", AssertionFailure.Show(names), AssertionFailure.Show(actual), "difference:\n" + Diff(names, actual));
        }

        return listener;
    }

    /// <summary>
    /// Asserts the recorded event names contain <paramref name="names"/> in this order, other events
    /// allowed before, between and after them (a subsequence): <c>ShouldHaveEventsInOrder("CallStart",
    /// "ConnectionAcquired", "CallEnd")</c> holds for any successful call. On a mismatch the message
    /// names the first expected event not found after the ones matched, and lists every recorded event.
    /// </summary>
    /// <param name="listener">The listener.</param>
    /// <param name="names">The expected event names, in order.</param>
    /// <returns>The listener.</returns>
    public static RecordingEventListener ShouldHaveEventsInOrder(this RecordingEventListener listener, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(names);
        var actual = listener.Events.Select(e => e.Name).ToArray();
        var next = 0;
        foreach (var name in actual)
        {
            if (next < names.Length && name == names[next])
            {
                next++;
            }
        }

        if (next < names.Length)
        {
            var matched = next == 0 ? "from the start" : $"after {AssertionFailure.Show(names[..next])}";
            throw AssertionFailure.Create(
                "events",
                "contain in order",
                AssertionFailure.Show(names),
                AssertionFailure.Show(actual),
                $"missing: \"{names[next]}\" was not found {matched}");
        }

        return listener;
    }

    /// <summary>A unified line diff of two name sequences (longest common subsequence).</summary>
    internal static string Diff(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var lcs = new int[expected.Count + 1, actual.Count + 1];
        for (var i = expected.Count - 1; i >= 0; i--)
        {
            for (var j = actual.Count - 1; j >= 0; j--)
            {
                lcs[i, j] = expected[i] == actual[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var text = new StringBuilder();
        int e = 0, a = 0;
        while (e < expected.Count || a < actual.Count)
        {
            if (e < expected.Count && a < actual.Count && expected[e] == actual[a])
            {
                text.Append("      ").Append(expected[e]).Append('\n');
                e++;
                a++;
            }
            else if (a < actual.Count && (e == expected.Count || lcs[e, a + 1] >= lcs[e + 1, a]))
            {
                text.Append("    + ").Append(actual[a]).Append('\n');
                a++;
            }
            else
            {
                text.Append("    - ").Append(expected[e]).Append('\n');
                e++;
            }
        }

        return text.ToString().TrimEnd('\n');
    }
}
