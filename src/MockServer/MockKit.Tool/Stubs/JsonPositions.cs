using System.Text.Json;

namespace MockKit.Tool.Stubs;

/// <summary>
/// Where each value of a JSON text starts, by JSON Pointer (RFC 6901: <c>/routes/0/response</c>), so
/// a reader that found a problem in a <see cref="JsonDocument"/> (which keeps no positions) can name
/// the line and column of the value at fault. Lines and columns count from 1; a column counts bytes,
/// as the runtime's own JSON errors do.
/// </summary>
internal sealed class JsonPositions
{
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly byte[] _utf8;

    private JsonPositions(byte[] utf8) => _utf8 = utf8;

    /// <summary>Indexes <paramref name="utf8"/>, which must already have parsed (a syntax error stops the index where it is).</summary>
    public static JsonPositions Index(byte[] utf8, int maxDepth)
    {
        var positions = new JsonPositions(utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth });
        var path = new List<string>();

        // Per open container: the index of the next array item, or -1 inside an object.
        var next = new Stack<int>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        path.Add(Escape(reader.GetString()!));
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        next.Pop();
                        EndValue(path, next);
                        continue;
                }

                if (next.TryPeek(out var index) && index >= 0)
                {
                    path.Add(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    next.Pop();
                    next.Push(index + 1);
                }

                positions._offsets.TryAdd(path.Count == 0 ? string.Empty : "/" + string.Join('/', path), reader.TokenStartIndex);
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    next.Push(reader.TokenType == JsonTokenType.StartArray ? 0 : -1);
                }
                else
                {
                    EndValue(path, next);
                }
            }
        }
        catch (JsonException)
        {
            // Only reached for text that did not parse; its own error names the place.
        }

        return positions;
    }

    /// <summary>Line and column (from 1) of the value at <paramref name="pointer"/>, or of its nearest indexed ancestor.</summary>
    public (int Line, int Column) Find(string pointer)
    {
        while (!_offsets.ContainsKey(pointer) && pointer.Length > 0)
        {
            pointer = pointer[..pointer.LastIndexOf('/')];
        }

        var offset = _offsets.GetValueOrDefault(pointer);
        var line = 1;
        var lineStart = 0L;
        for (var i = 0; i < offset && i < _utf8.Length; i++)
        {
            if (_utf8[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, (int)(offset - lineStart) + 1);
    }

    /// <summary>RFC 6901 section 3: <c>~</c> and <c>/</c> in a member name are written <c>~0</c> and <c>~1</c>.</summary>
    public static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    // A value ended: inside an object its member name leaves the path; inside an array its index does.
    private static void EndValue(List<string> path, Stack<int> next)
    {
        if (next.Count > 0 && path.Count > 0)
        {
            path.RemoveAt(path.Count - 1);
        }
    }
}
