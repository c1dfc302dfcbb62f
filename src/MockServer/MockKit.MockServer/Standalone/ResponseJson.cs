using System.Text.Json;
using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer.Standalone;

/// <summary>
/// A <see cref="MockResponse"/> written as a response object of the standalone server's stub files and
/// admin API (<c>mockkit-stubs/1</c>), for <see cref="RemoteMockServer.EnqueueAsync"/>; the <c>mockkit</c>
/// tool reads it back (its <c>StubResponse</c>), checking every field:
/// <code>
/// {"status": 200, "reason": "OK", "headers": [{"name": "Content-Type", "value": "text/plain"}],
///  "body": "text" | "bodyBase64": "AAEC" | "bodyJson": {…}, "trailers": [{"name", "value"}],
///  "delayMs": 0, "bodyDelayMs": 0, "chunkSize": 1024, "socketPolicy": "DisconnectAfterRequest"}
/// </code>
/// Field names and header arrays are the recordings format's (<see cref="RecordingJson"/>). What JSON
/// cannot carry is refused here, before anything is sent, rather than by the remote server.
/// </summary>
internal static class ResponseJson
{
    /// <summary>The longest delay the standalone server accepts in a stub: one hour (the tool's limit too).</summary>
    private const int MaxDelayMs = 3_600_000;

    /// <summary>
    /// Writes the parts of <paramref name="response"/> that can cross a process; anything else
    /// (handlers, streamed bodies, explicit triggers, throttles, HTTP/2 extras) throws
    /// <see cref="NotSupportedException"/> naming the member, before anything is written.
    /// </summary>
    public static void Write(Utf8JsonWriter json, MockResponse response)
    {
        CheckSerialisable(response);
        json.WriteStartObject();
        json.WriteNumber("status", response.Code);
        if (response.Reason is { } reason)
        {
            json.WriteString("reason", reason);
        }

        JsonText.WriteFields(json, "headers", response.Headers);
        if (!response.Body.Content.IsEmpty)
        {
            if (JsonText.IsText(response.Body.Content.Span, out var text))
            {
                json.WriteString("body", text);
            }
            else
            {
                json.WriteBase64String("bodyBase64", response.Body.Content.Span);
            }
        }

        if (response.Trailers.Count > 0)
        {
            JsonText.WriteFields(json, "trailers", response.Trailers);
        }

        WriteDelay(json, "delayMs", response.HeadersDelay);
        WriteDelay(json, "bodyDelayMs", response.BodyDelay);
        if (response.ChunkSize is { } chunkSize)
        {
            json.WriteNumber("chunkSize", chunkSize);
        }

        if (response.SocketPolicy != SocketPolicy.KeepOpen)
        {
            json.WriteString("socketPolicy", response.SocketPolicy.Name);
        }

        json.WriteEndObject();
    }

    private static void CheckSerialisable(MockResponse response)
    {
        string? member = response switch
        {
            { WebSocketHandler: not null } => nameof(MockResponse.WebSocketHandler),
            { DuplexHandler: not null } => nameof(MockResponse.DuplexHandler),
            { Body.Source: not null } => $"{nameof(MockResponse.Body)} (a streamed body)",
            { Throttle: not null } => nameof(MockResponse.Throttle),
            { InformationalResponses.Count: > 0 } => nameof(MockResponse.InformationalResponses),
            { PushPromises.Count: > 0 } => nameof(MockResponse.PushPromises),
            { Settings: not null } => nameof(MockResponse.Settings),
            { Malformed: not null } => nameof(MockResponse.Malformed),
            { OnRequestStart: not null } => nameof(MockResponse.OnRequestStart),
            { OnRequestBody: not null } => nameof(MockResponse.OnRequestBody),
            { OnResponseStart: not null } => nameof(MockResponse.OnResponseStart),
            { OnResponseBody: not null } => nameof(MockResponse.OnResponseBody),
            { OnResponseEnd: not null } => nameof(MockResponse.OnResponseEnd),
            _ => null,
        };
        if (member is not null)
        {
            throw new NotSupportedException($"MockResponse.{member} cannot cross a process to a standalone server; use a named SocketPolicy, headers, body, trailers and delays, or a MockWebServer in the test process.");
        }

        if (response.HeadersDelay.TotalMilliseconds > MaxDelayMs || response.BodyDelay.TotalMilliseconds > MaxDelayMs)
        {
            throw new NotSupportedException($"MockResponse delays over {MaxDelayMs} ms cannot cross a process to a standalone server.");
        }
    }

    private static void WriteDelay(Utf8JsonWriter json, string name, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            json.WriteNumber(name, (long)Math.Ceiling(delay.TotalMilliseconds));
        }
    }
}
