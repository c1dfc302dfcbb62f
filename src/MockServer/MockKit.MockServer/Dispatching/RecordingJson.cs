using System.Text.Encodings.Web;
using System.Text.Json;

namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The recordings file of <see cref="ForwardingDispatcher.SaveRecordings(string, RecordingOptions)"/> and
/// <see cref="Dispatcher.Replay"/>. Written with <see cref="Utf8JsonWriter"/> in one fixed key order,
/// indented, non-ASCII kept as is. It describes the exchange, not the recording server: a request's
/// <c>Host</c> (the recording server's random port) and framing fields (<c>Content-Length</c>,
/// <c>Transfer-Encoding</c>: how the bytes travelled, not what they were) are left out, so recording
/// the same traffic twice gives identical files. Bodies: a request body declared as JSON
/// (<c>application/json</c> or <c>+json</c>) that parses goes in <c>"bodyJson"</c> as a JSON value
/// (replay compares it structurally); other valid UTF-8 text in <c>"body"</c>; anything else as
/// base64 in <c>"bodyBase64"</c>. Empty bodies and trailers are omitted; a body cut to the BodyLimit
/// for the record is followed by <c>"bodyTruncated": true</c> and its full <c>"bodySize"</c>.
/// Credential values are redacted (see <see cref="Redaction"/>). Reading is in
/// <see cref="RecordingJsonReader"/>.
/// </summary>
internal static class RecordingJson
{
    public const string Format = "mockkit-recordings/1";

    /// <summary>Request fields that describe the recording server or the framing, never the exchange.</summary>
    private static readonly HashSet<string> ServerFields = new(StringComparer.OrdinalIgnoreCase) { "Host", "Content-Length", "Transfer-Encoding" };

    public static void Write(Stream stream, IReadOnlyList<RecordedExchange> exchanges, RecordingOptions options)
    {
        var redaction = new Redaction(options);
        var writerOptions = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var json = new Utf8JsonWriter(stream, writerOptions);
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
            json.WriteString("target", redaction.Target(request.Target));
            WriteFields(json, "headers", request.Headers.Where(h => !ServerFields.Contains(h.Key)), redaction);
            var truncated = request.BodySize > request.Body.LongLength;
            if (truncated || !TryWriteJsonBody(json, request.Headers["Content-Type"], request.Body))
            {
                WriteBody(json, request.Body);
            }

            WriteTruncation(json, truncated, request.BodySize);
            json.WriteEndObject();
            json.WriteStartObject("response");
            json.WriteNumber("status", response.Code);
            if (response.Reason is { } reason)
            {
                json.WriteString("reason", reason);
            }

            WriteFields(json, "headers", response.Headers, redaction);
            WriteBody(json, response.Body.Content.Span);
            WriteTruncation(json, exchange.ResponseBodyTruncated, exchange.ResponseBodySize);
            if (response.Trailers.Count > 0)
            {
                WriteFields(json, "trailers", response.Trailers, redaction);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        stream.Write("\n"u8);
    }

    /// <summary>True for <c>application/json</c> and any <c>+json</c> structured syntax suffix (RFC 6839 section 3.1).</summary>
    internal static bool IsJsonMediaType(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool TryWriteJsonBody(Utf8JsonWriter json, string? contentType, byte[] body)
    {
        if (body.Length == 0 || !IsJsonMediaType(contentType))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            json.WritePropertyName("bodyJson");
            document.RootElement.WriteTo(json);
            return true;
        }
        catch (JsonException)
        {
            return false; // Declared JSON but is not: kept byte for byte below.
        }
    }

    /// <summary>
    /// Says when a body was cut to <see cref="MockWebServer.BodyLimit"/> for the record: the kept
    /// prefix is the body written above, <c>bodySize</c> the size received. Absent for whole bodies.
    /// Replay serves the kept prefix, and matches a request on that prefix and that size.
    /// </summary>
    private static void WriteTruncation(Utf8JsonWriter json, bool truncated, long size)
    {
        if (truncated)
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

        if (JsonText.IsText(body, out var text))
        {
            json.WriteString("body", text);
        }
        else
        {
            json.WriteBase64String("bodyBase64", body);
        }
    }

    private static void WriteFields(Utf8JsonWriter json, string name, IEnumerable<KeyValuePair<string, string>> fields, Redaction redaction)
    {
        json.WriteStartArray(name);
        foreach (var (field, value) in fields)
        {
            json.WriteStartObject();
            json.WriteString("name", field);
            json.WriteString("value", redaction.HeaderValue(field, value));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
