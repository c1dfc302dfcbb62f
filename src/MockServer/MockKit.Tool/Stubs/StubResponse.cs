using System.Buffers;
using System.Text.Json;
using MockKit.Http1;
using MockKit.MockServer;

namespace MockKit.Tool.Stubs;

/// <summary>
/// A response object of stub files and the admin API (<c>mockkit-stubs/1</c>), read into a
/// <see cref="MockResponse"/> (<see cref="RemoteMockServer.EnqueueAsync"/> writes the same syntax):
/// <code>
/// {"status": 200, "reason": "OK", "headers": [{"name": "Content-Type", "value": "text/plain"}],
///  "body": "text" | "bodyBase64": "AAEC" | "bodyJson": {…}, "trailers": [{"name", "value"}],
///  "delayMs": 0, "bodyDelayMs": 0, "chunkSize": 1024, "socketPolicy": "DisconnectAfterRequest"}
/// </code>
/// Field names and header arrays are the recordings format's (<c>mockkit-recordings/1</c>). Header
/// names and values are checked as the recordings reader checks them (RFC 9110 section 5), so no
/// input can split a response on the wire.
/// </summary>
internal static class StubResponse
{
    private static readonly string[] Bodies = ["body", "bodyBase64", "bodyJson"];

    private static readonly string[] Members = ["status", "reason", "headers", "body", "bodyBase64", "bodyJson", "trailers", "delayMs", "bodyDelayMs", "chunkSize", "socketPolicy"];

    /// <summary>The longest delay a stub may ask for: one hour (a typo must not stall a suite for days).</summary>
    private const int MaxDelayMs = 3_600_000;

    public static MockResponse Read(JsonElement obj, string pointer)
    {
        JsonInput.Expect(obj, JsonValueKind.Object, pointer);
        JsonInput.OnlyKnown(obj, pointer, Members);
        var response = new MockResponse { Code = JsonInput.Int(obj, "status", pointer, 100, 999) ?? 200 };
        if (JsonInput.String(obj, "reason", pointer) is { } reason)
        {
            response.Reason = IsWireSafe(reason) ? reason : throw new JsonValueException($"{pointer}/reason", "has characters a status line cannot carry (CR, LF or NUL).");
        }

        ReadFields(obj, "headers", response.Headers, pointer);
        ReadFields(obj, "trailers", response.Trailers, pointer);
        var bodies = Bodies.Count(name => obj.TryGetProperty(name, out _));
        if (bodies > 1)
        {
            throw new JsonValueException(pointer, "has more than one of \"body\", \"bodyBase64\" and \"bodyJson\"; give one.");
        }

        if (JsonInput.String(obj, "body", pointer) is { } text)
        {
            response.Body = text;
        }
        else if (JsonInput.Member(obj, "bodyBase64", JsonValueKind.String, pointer) is { } base64)
        {
            response.Body = base64.TryGetBytesFromBase64(out var bytes) ? bytes : throw new JsonValueException($"{pointer}/bodyBase64", "is not base64.");
        }
        else if (obj.TryGetProperty("bodyJson", out var json))
        {
            // Sent compact, as written; the Content-Type is the stub's to give (no silent headers).
            var compact = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(compact))
            {
                json.WriteTo(writer);
            }

            response.Body = compact.WrittenSpan.ToArray();
        }

        response.HeadersDelay = TimeSpan.FromMilliseconds(JsonInput.Int(obj, "delayMs", pointer, 0, MaxDelayMs) ?? 0);
        response.BodyDelay = TimeSpan.FromMilliseconds(JsonInput.Int(obj, "bodyDelayMs", pointer, 0, MaxDelayMs) ?? 0);
        if (JsonInput.Int(obj, "chunkSize", pointer, 1, int.MaxValue) is { } chunkSize)
        {
            response.ChunkSize = chunkSize;
        }

        if (JsonInput.String(obj, "socketPolicy", pointer) is { } policyName)
        {
            if (SocketPolicyNames.NotApplicable(policyName) is { } why)
            {
                throw new JsonValueException($"{pointer}/socketPolicy", why);
            }

            response.SocketPolicy = SocketPolicyNames.Parse(policyName) ?? throw new JsonValueException(
                $"{pointer}/socketPolicy",
                $"{JsonInput.Quote(policyName)} is not a socket policy; expected one of {string.Join(", ", SocketPolicyNames.All)} (DisconnectDuringResponseBody(n), ResetStreamAtStart(code) and DoNotReadRequestBody(code) take a parameter).");
        }

        return response;
    }

    private static void ReadFields(JsonElement obj, string name, MockHeaders target, string pointer)
    {
        if (JsonInput.Member(obj, name, JsonValueKind.Array, pointer) is not { } fields)
        {
            return;
        }

        var index = 0;
        foreach (var field in fields.EnumerateArray())
        {
            var at = $"{pointer}/{name}/{index++}";
            JsonInput.Expect(field, JsonValueKind.Object, at);
            JsonInput.OnlyKnown(field, at, "name", "value");
            var fieldName = JsonInput.String(field, "name", at) ?? throw new JsonValueException(at, "has no \"name\".");
            var fieldValue = JsonInput.String(field, "value", at) ?? throw new JsonValueException(at, "has no \"value\".");
            if (!HttpFieldSyntax.IsValidFieldName(fieldName) || !IsWireSafe(fieldValue))
            {
                throw new JsonValueException(at, $"{JsonInput.Quote(fieldName)}: {JsonInput.Quote(fieldValue)} is not a valid header field (RFC 9110 section 5).");
            }

            target.Add(fieldName, fieldValue);
        }
    }

    /// <summary>No CR, LF or NUL: the characters that would end or split a line on the wire (RFC 9110 section 5.5).</summary>
    internal static bool IsWireSafe(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;
}
