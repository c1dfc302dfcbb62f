using System.Text.Json;
using MockKit.MockServer.Standalone;

namespace MockKit.Tool;

/// <summary>A route as <c>GET routes</c> lists it: the stub-file syntax it was read from, plus <c>"source"</c> (a file path or <c>admin</c>).</summary>
internal static class StubRouteJson
{
    public static void Write(Utf8JsonWriter json, StubRoute route, string source)
    {
        json.WriteStartObject();
        json.WriteString("method", route.Method);
        json.WriteString("path", route.Path);
        WriteMap(json, "headers", route.Headers);
        WriteMap(json, "query", route.Query);
        if (route.BodyContains is { } text)
        {
            json.WriteString("bodyContains", text);
        }

        if (route.Times is { } times)
        {
            json.WriteNumber("times", times);
        }

        if (route.InOrder)
        {
            json.WriteStartArray("responses");
            foreach (var response in route.Responses)
            {
                ResponseJson.Write(json, response);
            }

            json.WriteEndArray();
        }
        else
        {
            json.WritePropertyName("response");
            ResponseJson.Write(json, route.Responses[0]);
        }

        json.WriteString("source", source);
        json.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter json, string name, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        if (pairs.Count == 0)
        {
            return;
        }

        json.WriteStartObject(name);
        foreach (var (key, value) in pairs)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }
}
