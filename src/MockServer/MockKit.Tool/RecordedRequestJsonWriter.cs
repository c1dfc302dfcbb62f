using System.Text.Json;
using MockKit.MockServer;
using MockKit.MockServer.Dispatching;

namespace MockKit.Tool;

/// <summary>
/// A <see cref="RecordedRequest"/> as the admin API's <c>GET requests</c> and <c>GET unmatched</c>
/// give it, and as <see cref="RemoteMockServer.TakeRequestAsync"/> reads it back:
/// <code>
/// {"method": "GET", "target": "/a?b=c", "requestLine": "GET /a?b=c HTTP/1.1", "url": "http://127.0.0.1:8080/a?b=c",
///  "headers": [{"name": "Host", "value": "…"}], "body": "…" | "bodyBase64": "…", "bodySize": 0,
///  "trailers": [ … ], "sequenceNumber": 0, "connectionIndex": 0, "protocol": "Http11",
///  "failure": null | "the failure's message", "failureType": null | "UnmatchedRequestException"}
/// </code>
/// Headers are in wire order as in recordings; a body is text when it is UTF-8 text (the recordings
/// rule), base64 otherwise. <c>failure</c> is null when the request was answered.
/// </summary>
internal static class RecordedRequestJsonWriter
{
    public static void Write(Utf8JsonWriter json, RecordedRequest request)
    {
        json.WriteStartObject();
        json.WriteString("method", request.Method);
        json.WriteString("target", request.Target);
        json.WriteString("requestLine", request.RequestLine);
        if (request.Url is { } url)
        {
            json.WriteString("url", url.AbsoluteUri);
        }

        JsonText.WriteFields(json, "headers", request.Headers);
        if (request.Body.Length > 0)
        {
            if (JsonText.IsText(request.Body, out var text))
            {
                json.WriteString("body", text);
            }
            else
            {
                json.WriteBase64String("bodyBase64", request.Body);
            }
        }

        json.WriteNumber("bodySize", request.BodySize);
        if (request.Trailers.Count > 0)
        {
            JsonText.WriteFields(json, "trailers", request.Trailers);
        }

        json.WriteNumber("sequenceNumber", request.SequenceNumber);
        json.WriteNumber("connectionIndex", request.ConnectionIndex);
        json.WriteString("protocol", request.Protocol.ToString());
        if (request.Failure is { } failure)
        {
            json.WriteString("failure", failure.Message);
            json.WriteString("failureType", failure.GetType().Name);
        }
        else
        {
            json.WriteNull("failure");
            json.WriteNull("failureType");
        }

        json.WriteEndObject();
    }
}
