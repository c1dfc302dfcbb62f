using System.Text.Json;

namespace MockKit.MockServer.Standalone;

/// <summary>
/// A parsed JSON input with the position of every value, and typed, checked access to its members:
/// every wrong type, missing member or unknown member is a <see cref="JsonValueException"/> at the
/// member's JSON Pointer, which <see cref="Parse{T}"/> turns into a <see cref="JsonInputException"/>
/// naming line and column. Unknown members are refused so a typo never loads as a silent default.
/// </summary>
internal static class JsonInput
{
    /// <summary>Nesting allowed; deeper input is refused by the parser, never a stack overflow.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses <paramref name="utf8"/> and reads it with <paramref name="read"/>; any problem is a <see cref="JsonInputException"/>.</summary>
    public static T Parse<T>(byte[] utf8, string source, Func<JsonElement, T> read)
    {
        // A UTF-8 byte order mark is allowed in front of a file (RFC 8259 section 8.1 lets parsers ignore it).
        var start = utf8.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var text = start == 0 ? utf8 : utf8[start..];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new JsonInputException(source, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, $"not valid JSON: {FirstSentence(e.Message)}");
        }

        using (document)
        {
            try
            {
                return read(document.RootElement);
            }
            catch (JsonValueException e)
            {
                var (line, column) = JsonPositions.Index(text, MaxDepth).Find(e.Pointer);
                throw new JsonInputException(source, line, column, $"{(e.Pointer.Length == 0 ? "the document" : e.Pointer)}: {e.Message}");
            }
        }
    }

    /// <summary>The runtime's message up to its own position suffix (the position is given separately).</summary>
    private static string FirstSentence(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at < 0 ? message : message[..at]).Trim();
    }

    public static void Expect(JsonElement value, JsonValueKind kind, string pointer)
    {
        if (value.ValueKind != kind)
        {
            throw new JsonValueException(pointer, $"must be {Describe(kind)}, not {Describe(value.ValueKind)}.");
        }
    }

    /// <summary>Refuses members other than <paramref name="known"/>.</summary>
    public static void OnlyKnown(JsonElement obj, string pointer, params string[] known)
    {
        foreach (var member in obj.EnumerateObject())
        {
            if (Array.IndexOf(known, member.Name) < 0)
            {
                throw new JsonValueException($"{pointer}/{JsonPositions.Escape(member.Name)}", $"unknown member \"{member.Name}\"; expected one of {string.Join(", ", known.Select(k => $"\"{k}\""))}.");
            }
        }
    }

    public static JsonElement? Member(JsonElement obj, string name, JsonValueKind kind, string pointer)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(value, kind, $"{pointer}/{name}");
        return value;
    }

    public static JsonElement Required(JsonElement obj, string name, JsonValueKind kind, string pointer) =>
        Member(obj, name, kind, pointer) ?? throw new JsonValueException(pointer, $"has no \"{name}\".");

    public static string? String(JsonElement obj, string name, string pointer)
    {
        if (Member(obj, name, JsonValueKind.String, pointer) is not { } value)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            throw new JsonValueException($"{pointer}/{name}", "is not valid UTF-8 text.");
        }
    }

    public static int? Int(JsonElement obj, string name, string pointer, int min, int max)
    {
        if (Member(obj, name, JsonValueKind.Number, pointer) is not { } value)
        {
            return null;
        }

        return value.TryGetInt32(out var number) && number >= min && number <= max
            ? number
            : throw new JsonValueException($"{pointer}/{name}", $"{value.GetRawText()} is not a whole number from {min} to {max}.");
    }

    /// <summary>How an error message names a JSON value of <paramref name="kind"/> ("an object", "a string"); also the recordings file reader's (Dispatcher.Replay).</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
