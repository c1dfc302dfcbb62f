using System.Text.Json;
using MockKit.Tool.Stubs;

namespace MockKit.Tool;

/// <summary>
/// A route as <c>GET routes</c> lists it: the route object as it was given (stub-file syntax, so it
/// can be sent back to <c>POST routes</c> as it is), plus <c>"source"</c> (a file path or <c>admin</c>).
/// </summary>
internal static class StubRouteJson
{
    public static void Write(Utf8JsonWriter json, StubRoute route, string source)
    {
        json.WriteStartObject();

        // The reader refused unknown members, so the definition has no "source" of its own.
        foreach (var member in route.Definition.EnumerateObject())
        {
            member.WriteTo(json);
        }

        json.WriteString("source", source);
        json.WriteEndObject();
    }
}
