using System.Text;
using System.Text.Json;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The JSON conventions MockKit's own formats share: the recordings file, and the standalone server's
/// admin API on both of its ends (the <c>mockkit</c> tool and <see cref="RemoteMockServer"/>). A body is
/// written as text only when it is text, header fields as a <c>[{"name", "value"}]</c> array in wire
/// order, and type errors name JSON's kinds in words.
/// </summary>
/// <remarks>
/// One file compiled into two assemblies: MockKit.MockServer, and (linked, see its project) the
/// <c>mockkit</c> tool, which sees none of the server's internals. So the rule is written once and both
/// ends of the admin API apply the same one.
/// </remarks>
internal static class JsonText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// True when <paramref name="body"/> is valid UTF-8 without control characters other than tab, CR
    /// and LF, so it can be written as a JSON string and read back byte for byte; otherwise it is
    /// written as base64.
    /// </summary>
    public static bool IsText(ReadOnlySpan<byte> body, out string text)
    {
        text = string.Empty;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\t' or '\r' or '\n'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes <paramref name="fields"/> as the array member <paramref name="name"/>: <c>[{"name": …, "value": …}]</c>, in order.</summary>
    public static void WriteFields(Utf8JsonWriter json, string name, IEnumerable<KeyValuePair<string, string>> fields)
    {
        json.WriteStartArray(name);
        foreach (var (field, value) in fields)
        {
            json.WriteStartObject();
            json.WriteString("name", field);
            json.WriteString("value", value);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>A JSON value kind in words, for "must be an object, not a string" messages.</summary>
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
