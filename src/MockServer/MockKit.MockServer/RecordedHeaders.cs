using System.Collections;

namespace MockKit.MockServer;

/// <summary>
/// The header fields of a recorded request, in wire order, names compared case-insensitively.
/// Immutable and safe to share.
/// </summary>
public sealed class RecordedHeaders : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly KeyValuePair<string, string>[] _fields;

    internal RecordedHeaders(IEnumerable<KeyValuePair<string, string>> fields)
    {
        _fields = [.. fields];
    }

    /// <summary>No fields.</summary>
    public static RecordedHeaders Empty { get; } = new([]);

    /// <summary>The number of fields (a name sent twice counts twice).</summary>
    public int Count => _fields.Length;

    /// <summary>The distinct names, in order of first appearance.</summary>
    public IReadOnlyList<string> Names => _fields.Select(f => f.Key).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The field at <paramref name="index"/> in wire order.</summary>
    /// <param name="index">The position.</param>
    public KeyValuePair<string, string> this[int index] => _fields[index];

    /// <summary>The last value of <paramref name="name"/>, or null when absent.</summary>
    /// <param name="name">The field name, case-insensitive.</param>
    public string? this[string name] => HeaderFieldLookup.LastValue(_fields, name);

    /// <summary>Every value of <paramref name="name"/>, in wire order (empty when absent).</summary>
    /// <param name="name">The field name, case-insensitive.</param>
    /// <returns>The values.</returns>
    public IReadOnlyList<string> GetValues(string name) => HeaderFieldLookup.Values(_fields, name);

    /// <summary>True when a field named <paramref name="name"/> was sent.</summary>
    /// <param name="name">The field name, case-insensitive.</param>
    /// <returns>Whether it was sent.</returns>
    public bool Contains(string name) => HeaderFieldLookup.Contains(_fields, name);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_fields).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Join("\n", _fields.Select(f => $"{f.Key}: {f.Value}"));
}
