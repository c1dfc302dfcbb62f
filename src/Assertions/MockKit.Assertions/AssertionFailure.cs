using System.Text;
using Shouldly;

namespace MockKit.Assertions;

/// <summary>
/// Builds failure messages in one shape for every MockKit assertion, in Shouldly's spirit:
/// what was asserted, what was expected, what was found, and then the context a reader needs
/// without a debugger (the recorded request, the pool's connections, the recorded events).
/// </summary>
/// <example>
/// <code>
/// request should have method
///     "POST"
///     but was
///     "GET"
///
/// GET /users HTTP/1.1 (connection 0, sequence 0)
///     Host: 127.0.0.1:5000
/// </code>
/// </example>
internal static class AssertionFailure
{
    /// <summary>Throws a <see cref="ShouldAssertException"/> with the standard shape.</summary>
    public static ShouldAssertException Create(string subject, string assertion, string expected, string actual, string? context = null)
    {
        var message = new StringBuilder()
            .Append(subject).Append(" should ").Append(assertion).Append('\n')
            .Append("    ").Append(expected).Append('\n')
            .Append("    but was\n")
            .Append("    ").Append(actual);
        if (!string.IsNullOrEmpty(context))
        {
            message.Append("\n\n").Append(context.TrimEnd());
        }

        return new ShouldAssertException(message.ToString());
    }

    /// <summary>A value as Shouldly prints it: strings quoted, null as null.</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        byte[] bytes => $"[{string.Join(", ", bytes)}]",
        System.Collections.IEnumerable items and not string => $"[{string.Join(", ", items.Cast<object?>().Select(Show))}]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
