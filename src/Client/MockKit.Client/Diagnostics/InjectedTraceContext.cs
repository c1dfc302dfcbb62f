using System.Diagnostics;

namespace MockKit.Client.Diagnostics;

/// <summary>
/// The trace-context fields one send injected into a request, kept in the request's options so
/// the next send of the same request (an outer retry, a hedged attempt, a follow-up copy) can
/// tell its own stale fields from fields the application set.
/// </summary>
/// <remarks>
/// <para>The runtime's handler marks a request it injected into and, when the request comes back,
/// removes the propagator's fields before injecting the new attempt's context; without that, the
/// "only when absent" rule keeps the first attempt's span id on every later attempt, so a trace
/// shows all attempts as one span.</para>
/// <para>Here a field is removed only while it still holds exactly the value this handler wrote:
/// a field the application set, or replaced after the first send, is the application's and stays.</para>
/// </remarks>
internal sealed class InjectedTraceContext
{
    private static readonly HttpRequestOptionsKey<InjectedTraceContext> s_key = new("MockKit.Client.InjectedTraceContext");

    private readonly List<KeyValuePair<string, string?>> _fields = [];

    /// <summary>Removes the fields an earlier send injected, then injects <paramref name="current"/>'s context where absent.</summary>
    public static void Inject(HttpRequestMessage request, Activity current, DistributedContextPropagator propagator)
    {
        var injected = new InjectedTraceContext();
        if (request.Options.TryGetValue(s_key, out var earlier))
        {
            earlier.RemoveFrom(request);
        }

        propagator.Inject(current, (request, injected), static (carrier, name, value) =>
        {
            if (carrier is ValueTuple<HttpRequestMessage, InjectedTraceContext> target
                && name is not null
                && !target.Item1.Headers.Contains(name)
                && target.Item1.Headers.TryAddWithoutValidation(name, value))
            {
                target.Item2._fields.Add(new(name, value));
            }
        });
        request.Options.Set(s_key, injected);
    }

    /// <summary>Hands what <paramref name="from"/>'s send injected to <paramref name="copy"/>, which copied its headers.</summary>
    public static void CarryOver(HttpRequestMessage from, HttpRequestMessage copy)
    {
        if (!ReferenceEquals(from, copy) && from.Options.TryGetValue(s_key, out var injected))
        {
            copy.Options.Set(s_key, injected);
        }
    }

    private void RemoveFrom(HttpRequestMessage request)
    {
        foreach (var (name, value) in _fields)
        {
            if (request.Headers.NonValidated.TryGetValues(name, out var values)
                && values.Count == 1
                && string.Equals(values.ToString(), value, StringComparison.Ordinal))
            {
                request.Headers.Remove(name);
            }
        }
    }
}
