using System.Collections;
using System.Runtime.InteropServices;

namespace MockKit.MockServer;

/// <summary>
/// The header fields of a scripted response: ordered, multi-valued, names compared
/// case-insensitively, sent exactly as given (no validation, so a test can send a
/// deliberately malformed field to a client). Supports collection initializers:
/// <c>Headers = { { "Location", "/b" } }</c>.
/// </summary>
/// <remarks>Not thread-safe: configure before the response is enqueued.</remarks>
public sealed class MockHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    /// <summary>The number of fields (a name with two values counts twice).</summary>
    public int Count => _fields.Count;

    /// <summary>
    /// Gets the last value of <paramref name="name"/> (null when absent), or replaces every
    /// field of that name with one field holding <paramref name="value"/> (null removes them).
    /// </summary>
    /// <param name="name">The field name, case-insensitive.</param>
    public string? this[string name]
    {
        get => HeaderFieldLookup.LastValue(CollectionsMarshal.AsSpan(_fields), name);

        set
        {
            Remove(name);
            if (value is not null)
            {
                Add(name, value);
            }
        }
    }

    /// <summary>Appends a field, keeping any earlier ones of the same name.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The field value.</param>
    public void Add(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _fields.Add(new(name, value));
    }

    /// <summary>Removes every field named <paramref name="name"/>.</summary>
    /// <param name="name">The field name, case-insensitive.</param>
    /// <returns>True when any field was removed.</returns>
    public bool Remove(string name) =>
        _fields.RemoveAll(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) > 0;

    /// <summary>True when a field named <paramref name="name"/> is present.</summary>
    /// <param name="name">The field name, case-insensitive.</param>
    /// <returns>Whether it is present.</returns>
    public bool Contains(string name) => HeaderFieldLookup.Contains(CollectionsMarshal.AsSpan(_fields), name);

    /// <summary>Every value of <paramref name="name"/>, in order.</summary>
    /// <param name="name">The field name, case-insensitive.</param>
    /// <returns>The values (empty when absent).</returns>
    public IReadOnlyList<string> GetValues(string name) => HeaderFieldLookup.Values(CollectionsMarshal.AsSpan(_fields), name);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    /// <summary>The fields in order, for the server's own loops (a foreach over the list's struct enumerator allocates nothing).</summary>
    internal List<KeyValuePair<string, string>> Fields => _fields;

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
