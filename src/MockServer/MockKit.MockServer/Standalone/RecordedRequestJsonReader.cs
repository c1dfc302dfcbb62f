using System.Text.Json;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Standalone;

/// <summary>
/// A <see cref="RecordedRequest"/> read back by <see cref="RemoteMockServer.TakeRequestAsync"/> as the
/// standalone server's admin API (<c>GET requests</c>, <c>GET unmatched</c>; the <c>mockkit</c> tool's
/// <c>RecordedRequestJsonWriter</c> writes it) gives it:
/// <code>
/// {"method": "GET", "target": "/a?b=c", "requestLine": "GET /a?b=c HTTP/1.1", "url": "http://127.0.0.1:8080/a?b=c",
///  "headers": [{"name": "Host", "value": "…"}], "body": "…" | "bodyBase64": "…", "bodySize": 0,
///  "trailers": [ … ], "sequenceNumber": 0, "connectionIndex": 0, "protocol": "Http11",
///  "failure": null | "the failure's message", "failureType": null | "UnmatchedRequestException"}
/// </code>
/// Headers are in wire order as in recordings; a body is text when it is UTF-8 text (the recordings
/// rule), base64 otherwise. <c>failure</c> is null when the request was answered.
/// </summary>
internal static class RecordedRequestJsonReader
{
    /// <summary>
    /// Rebuilds a request the standalone server recorded. Its <see cref="RecordedRequest.Failure"/> is an
    /// <see cref="UnmatchedRequestException"/> for a route miss (the same report) and an
    /// <see cref="IOException"/> naming the remote exception's type otherwise; TLS details do not cross.
    /// </summary>
    public static RecordedRequest Read(JsonElement obj)
    {
        var method = obj.GetProperty("method").GetString()!;
        var target = obj.GetProperty("target").GetString()!;
        var requestLine = obj.TryGetProperty("requestLine", out var line) ? line.GetString()! : $"{method} {target}";
        Uri? url = obj.TryGetProperty("url", out var urlText) && Uri.TryCreate(urlText.GetString(), UriKind.Absolute, out var parsed) ? parsed : null;
        var body = obj.TryGetProperty("body", out var text) ? System.Text.Encoding.UTF8.GetBytes(text.GetString()!)
            : obj.TryGetProperty("bodyBase64", out var base64) ? base64.GetBytesFromBase64()
            : [];
        var protocol = Enum.TryParse<Protocol>(obj.GetProperty("protocol").GetString(), out var p) ? p : Protocol.Http11;
        Exception? failure = null;
        if (obj.TryGetProperty("failure", out var message) && message.ValueKind == JsonValueKind.String)
        {
            var type = obj.TryGetProperty("failureType", out var t) ? t.GetString() : null;
            failure = type == nameof(UnmatchedRequestException)
                ? new UnmatchedRequestException(message.GetString()!)
                : new IOException($"{type}: {message.GetString()}");
        }

        return RecordedRequestFactory.Remote(
            requestLine,
            method,
            target,
            url,
            Fields(obj, "headers") ?? [],
            body,
            obj.GetProperty("bodySize").GetInt64(),
            Fields(obj, "trailers"),
            obj.GetProperty("sequenceNumber").GetInt32(),
            obj.GetProperty("connectionIndex").GetInt32(),
            protocol,
            failure);
    }

    private static List<KeyValuePair<string, string>>? Fields(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return [.. array.EnumerateArray().Select(f => new KeyValuePair<string, string>(f.GetProperty("name").GetString()!, f.GetProperty("value").GetString()!))];
    }
}
