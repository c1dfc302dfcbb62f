using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The recordings file of <see cref="ForwardingDispatcher.SaveRecordings(string, bool)"/> and
/// <see cref="Dispatcher.Replay"/>. Written with <see cref="Utf8JsonWriter"/> in one fixed key order
/// (so two recordings of the same traffic diff cleanly), indented, non-ASCII kept as is. Bodies
/// that are valid UTF-8 text go in <c>"body"</c>, anything else as base64 in <c>"bodyBase64"</c>;
/// empty bodies and trailers are omitted; a body cut to the BodyLimit for the record is followed by
/// <c>"bodyTruncated": true</c> and its full <c>"bodySize"</c>. The README ("Routing, forwarding, replay") documents it.
/// </summary>
internal static class RecordingJson
{
    public const string Format = "mockkit-recordings/1";

    public const string Redacted = "REDACTED";

    private static readonly HashSet<string> Secrets = new(StringComparer.OrdinalIgnoreCase) { "Authorization", "Proxy-Authorization", "Cookie" };

    public static void Write(Stream stream, IReadOnlyList<RecordedExchange> exchanges, bool includeSecrets)
    {
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var json = new Utf8JsonWriter(stream, options);
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteStartArray("exchanges");
        foreach (var exchange in exchanges)
        {
            var request = exchange.Request;
            var response = exchange.Response;
            json.WriteStartObject();
            json.WriteStartObject("request");
            json.WriteString("method", request.Method);
            json.WriteString("target", request.Target);
            WriteFields(json, "headers", request.Headers, includeSecrets);
            WriteBody(json, request.Body);
            WriteTruncation(json, request.Body.LongLength, request.BodySize);
            json.WriteEndObject();
            json.WriteStartObject("response");
            json.WriteNumber("status", response.Code);
            if (response.Reason is { } reason)
            {
                json.WriteString("reason", reason);
            }

            WriteFields(json, "headers", response.Headers, includeSecrets);
            WriteBody(json, response.Body.Content.Span);
            WriteTruncation(json, response.Body.Content.Length, exchange.ResponseBodySize);
            if (response.Trailers.Count > 0)
            {
                WriteFields(json, "trailers", response.Trailers, includeSecrets);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        stream.Write("\n"u8);
    }

    public static List<ReplayedExchange> Read(Stream stream)
    {
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetString() != Format)
        {
            throw new FormatException($"Not a MockKit recordings file: the root object's \"format\" must be \"{Format}\".");
        }

        var result = new List<ReplayedExchange>();
        var index = 0;
        foreach (var exchange in Required(root, "exchanges", "the file").EnumerateArray())
        {
            var where = $"exchange {index++}";
            var request = Required(exchange, "request", where);
            var response = Required(exchange, "response", where);
            var replayed = new MockResponse
            {
                Code = Required(response, "status", where).GetInt32(),
                Reason = response.TryGetProperty("reason", out var reason) ? reason.GetString() : null,
                Body = ReadBody(response, where),
            };
            ReadFields(response, "headers", replayed.Headers, where);
            ReadFields(response, "trailers", replayed.Trailers, where);
            result.Add(new ReplayedExchange(
                Required(request, "method", where).GetString()!,
                Required(request, "target", where).GetString()!,
                ReadBody(request, where).Content.ToArray(),
                replayed));
        }

        return result;
    }

    /// <summary>Text when the bytes are valid UTF-8 without control characters other than tab, CR and LF.</summary>
    private static bool IsText(ReadOnlySpan<byte> body, out string text)
    {
        text = string.Empty;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
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

    /// <summary>
    /// Says when a body was cut to <see cref="MockWebServer.BodyLimit"/> for the record: the kept
    /// prefix is the body written above, <c>bodySize</c> the size received. Absent for whole bodies.
    /// Replay serves the kept prefix.
    /// </summary>
    private static void WriteTruncation(Utf8JsonWriter json, long kept, long size)
    {
        if (size > kept)
        {
            json.WriteBoolean("bodyTruncated", true);
            json.WriteNumber("bodySize", size);
        }
    }

    private static void WriteBody(Utf8JsonWriter json, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return;
        }

        if (IsText(body, out var text))
        {
            json.WriteString("body", text);
        }
        else
        {
            json.WriteBase64String("bodyBase64", body);
        }
    }

    private static void WriteFields(Utf8JsonWriter json, string name, IEnumerable<KeyValuePair<string, string>> fields, bool includeSecrets)
    {
        json.WriteStartArray(name);
        foreach (var (field, value) in fields)
        {
            json.WriteStartObject();
            json.WriteString("name", field);
            json.WriteString("value", includeSecrets || !Secrets.Contains(field) ? value : Redacted);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static MockBody ReadBody(JsonElement message, string where)
    {
        if (message.TryGetProperty("body", out var text))
        {
            return text.GetString() ?? throw new FormatException($"The \"body\" of {where} is null.");
        }

        if (message.TryGetProperty("bodyBase64", out var base64))
        {
            try
            {
                return base64.GetBytesFromBase64();
            }
            catch (FormatException e)
            {
                throw new FormatException($"The \"bodyBase64\" of {where} is not base64.", e);
            }
        }

        return MockBody.Empty;
    }

    private static void ReadFields(JsonElement message, string name, MockHeaders target, string where)
    {
        if (!message.TryGetProperty(name, out var fields))
        {
            return;
        }

        foreach (var field in fields.EnumerateArray())
        {
            target.Add(Required(field, "name", where).GetString()!, Required(field, "value", where).GetString()!);
        }
    }

    private static JsonElement Required(JsonElement element, string name, string where) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new FormatException($"{where} has no \"{name}\".");
}

/// <summary>One exchange read back from a recordings file.</summary>
internal sealed record ReplayedExchange(string Method, string Target, byte[] RequestBody, MockResponse Response);
