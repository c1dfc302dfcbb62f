using System.Buffers;
using System.Text;
using System.Text.Json;
using MockKit.Http1;
using MockKit.MockServer.Standalone;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// Reads a recordings file (<see cref="RecordingJson"/>) back into exchanges to replay. The file may
/// be hand-edited or hostile: every value is checked for its type and range, header names and values
/// for what may go on the wire (RFC 9110 section 5: a token name, a value without CR, LF or NUL, so a
/// file cannot split a response), and every problem is a <see cref="FormatException"/> whose message
/// names the file, the place (exchange, message, field — or the line and byte for a JSON syntax
/// error) and the problem. Nothing else escapes but I/O errors of the stream itself.
/// </summary>
internal static class RecordingJsonReader
{
    /// <summary>JSON nesting allowed: the format needs 5 levels, a recorded JSON body more; deeper input is refused, never a stack overflow.</summary>
    private const int MaxDepth = 64;

    public static List<ReplayedExchange> Read(Stream stream, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format)
                || format.ValueKind != JsonValueKind.String || !format.ValueEquals(RecordingJson.Format))
            {
                throw new FormatException($"{source}: not a MockKit recordings file: the root object's \"format\" must be \"{RecordingJson.Format}\".");
            }

            var exchanges = Required(root, "exchanges", JsonValueKind.Array, $"{source}: the file");
            var result = new List<ReplayedExchange>();
            var index = 0;
            foreach (var exchange in exchanges.EnumerateArray())
            {
                var where = $"{source}: exchange {index++}";
                if (exchange.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{where} must be an object, not {JsonInput.Describe(exchange.ValueKind)}.");
                }

                result.Add(ReadExchange(exchange, where));
            }

            return result;
        }
    }

    private static ReplayedExchange ReadExchange(JsonElement exchange, string where)
    {
        var request = Required(exchange, "request", JsonValueKind.Object, where);
        var response = Required(exchange, "response", JsonValueKind.Object, where);
        var requestWhere = where + " request";
        var responseWhere = where + " response";

        var method = String(request, "method", requestWhere);
        if (!HttpFieldSyntax.IsToken(Encoding.UTF8.GetBytes(method)))
        {
            throw new FormatException($"{requestWhere}: \"method\" {RouteCondition.Quote(method)} is not an HTTP method token.");
        }

        var target = String(request, "target", requestWhere);
        if (target.Length == 0 || !IsWireSafe(target) || target.Contains(' ', StringComparison.Ordinal))
        {
            throw new FormatException($"{requestWhere}: \"target\" {RouteCondition.Quote(target)} is not a request target.");
        }

        var requestBody = ReadBody(request, requestWhere, out var requestJson);
        var requestSize = ReadTruncation(request, requestBody.Length, requestWhere);

        var status = Required(response, "status", JsonValueKind.Number, responseWhere);
        if (!status.TryGetInt32(out var code) || code is < 100 or > 999)
        {
            throw new FormatException($"{responseWhere}: \"status\" {status.GetRawText()} is not a status code (100-999).");
        }

        string? reason = null;
        if (Optional(response, "reason", JsonValueKind.String, responseWhere) is { } reasonElement)
        {
            reason = Text(reasonElement, "reason", responseWhere);
            if (!IsWireSafe(reason))
            {
                throw new FormatException($"{responseWhere}: \"reason\" {RouteCondition.Quote(reason)} has characters a status line cannot carry.");
            }
        }

        var replayed = new MockResponse { Code = code, Reason = reason, Body = ReadBody(response, responseWhere, out _) };
        ReadTruncation(response, replayed.Body.Content.Length, responseWhere);
        ReadFields(response, "headers", replayed.Headers, responseWhere);
        ReadFields(response, "trailers", replayed.Trailers, responseWhere);
        return new ReplayedExchange(method, target, requestBody, requestSize, requestJson, replayed);
    }

    /// <summary>The recorded size of a truncated body, or null when the body is whole.</summary>
    private static long? ReadTruncation(JsonElement message, int kept, string where)
    {
        if (Optional(message, "bodyTruncated", JsonValueKind.True, where, JsonValueKind.False) is not { ValueKind: JsonValueKind.True })
        {
            return null;
        }

        var size = Required(message, "bodySize", JsonValueKind.Number, where);
        if (!size.TryGetInt64(out var bytes) || bytes < kept)
        {
            throw new FormatException($"{where}: \"bodySize\" {size.GetRawText()} is not a byte count of at least the {kept} bytes kept.");
        }

        return bytes;
    }

    private static byte[] ReadBody(JsonElement message, string where, out JsonElement? json)
    {
        json = null;
        if (Optional(message, "body", JsonValueKind.String, where) is { } text)
        {
            return Encoding.UTF8.GetBytes(Text(text, "body", where));
        }

        if (Optional(message, "bodyBase64", JsonValueKind.String, where) is { } base64)
        {
            return base64.TryGetBytesFromBase64(out var bytes)
                ? bytes
                : throw new FormatException($"{where}: \"bodyBase64\" is not base64.");
        }

        if (message.TryGetProperty("bodyJson", out var value))
        {
            json = value.Clone();
            var compact = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(compact))
            {
                value.WriteTo(writer);
            }

            return compact.WrittenSpan.ToArray();
        }

        return [];
    }

    private static void ReadFields(JsonElement message, string name, MockHeaders target, string where)
    {
        if (Optional(message, name, JsonValueKind.Array, where) is not { } fields)
        {
            return;
        }

        var index = 0;
        foreach (var field in fields.EnumerateArray())
        {
            var fieldWhere = $"{where} {name}[{index++}]";
            if (field.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{fieldWhere} must be an object with \"name\" and \"value\", not {JsonInput.Describe(field.ValueKind)}.");
            }

            var fieldName = String(field, "name", fieldWhere);
            var fieldValue = String(field, "value", fieldWhere);
            if (!HttpFieldSyntax.IsValidFieldName(fieldName) || !IsWireSafe(fieldValue))
            {
                throw new FormatException($"{fieldWhere}: {RouteCondition.Quote(fieldName)}: {RouteCondition.Quote(fieldValue)} is not a valid header field (RFC 9110 section 5).");
            }

            target.Add(fieldName, fieldValue);
        }
    }

    /// <summary>No CR, LF or NUL: the characters that would end or split a line on the wire (RFC 9110 section 5.5).</summary>
    private static bool IsWireSafe(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;

    private static string String(JsonElement element, string name, string where) =>
        Text(Required(element, name, JsonValueKind.String, where), name, where);

    /// <summary>A JSON string's text; the parser checks strings' UTF-8 only when they are read, here.</summary>
    private static string Text(JsonElement value, string name, string where)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"{where}: \"{name}\" is not valid UTF-8 text.", e);
        }
    }

    private static JsonElement Required(JsonElement element, string name, JsonValueKind kind, string where) =>
        Optional(element, name, kind, where) ?? throw new FormatException($"{where} has no \"{name}\".");

    private static JsonElement? Optional(JsonElement element, string name, JsonValueKind kind, string where, JsonValueKind alsoKind = JsonValueKind.Undefined)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == kind || value.ValueKind == alsoKind
            ? value
            : throw new FormatException($"{where}: \"{name}\" must be {JsonInput.Describe(kind)}, not {JsonInput.Describe(value.ValueKind)}.");
    }
}

/// <summary>One exchange read back from a recordings file.</summary>
/// <param name="Method">The recorded method.</param>
/// <param name="Target">The recorded target (redacted query values read <c>REDACTED</c>).</param>
/// <param name="RequestBody">The recorded request body (for a truncated one, the kept prefix).</param>
/// <param name="RequestBodySize">The full size of a truncated request body; null when <paramref name="RequestBody"/> is whole.</param>
/// <param name="RequestJson">The request body recorded as <c>"bodyJson"</c>, compared structurally; null otherwise.</param>
/// <param name="Response">The response to serve.</param>
internal sealed record ReplayedExchange(string Method, string Target, byte[] RequestBody, long? RequestBodySize, JsonElement? RequestJson, MockResponse Response);
