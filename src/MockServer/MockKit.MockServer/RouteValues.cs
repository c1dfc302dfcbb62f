using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace MockKit.MockServer;

/// <summary>
/// The values a route template captured, by parameter name (ordinal): <c>values["id"]</c> for
/// <c>/users/{id}</c>. Values are percent-decoded (<c>%2F</c> in a segment becomes <c>/</c>); a
/// trailing <c>{*rest}</c> holds the decoded rest of the path without its leading slash. Read-only
/// and safe to share between threads.
/// </summary>
[SuppressMessage("Naming", "CA1710", Justification = "RouteValues is a published name; renaming it to a Dictionary suffix would break callers.")]
public sealed class RouteValues : IReadOnlyDictionary<string, string>
{
    private readonly Dictionary<string, string> _values;

    internal RouteValues(Dictionary<string, string> values) => _values = values;

    /// <summary>No values (a predicate rule, or a template without parameters).</summary>
    public static RouteValues Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <inheritdoc />
    public int Count => _values.Count;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc />
    public IEnumerable<string> Values => _values.Values;

    /// <summary>The decoded value of parameter <paramref name="key"/>.</summary>
    /// <param name="key">The parameter name as written in the template.</param>
    /// <exception cref="KeyNotFoundException">The template has no such parameter; the message lists those it has.</exception>
    public string this[string key] => _values.TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"The route has no parameter \"{key}\"; it has: {string.Join(", ", _values.Keys)}.");

    /// <inheritdoc />
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => _values.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", _values.Select(v => $"{v.Key}={v.Value}"));
}
