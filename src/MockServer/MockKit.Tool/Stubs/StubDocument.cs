using System.Text.Json;

namespace MockKit.Tool.Stubs;

/// <summary>
/// The stub format, <c>mockkit-stubs/1</c> (schema: <c>docs/stubs.schema.json</c>):
/// <c>{"format": "mockkit-stubs/1", "routes": [ route, … ]}</c>. Files are read whole and checked
/// whole before anything is used, so a malformed file is refused with its line and column and
/// nothing of it is served.
/// </summary>
internal static class StubDocument
{
    public const string Format = "mockkit-stubs/1";

    /// <summary>Reads a stub file's routes.</summary>
    /// <exception cref="JsonInputException">The text is not a valid stub document.</exception>
    public static List<StubRoute> ReadFile(byte[] utf8, string source) => JsonInput.Parse(utf8, source, ReadDocument);

    /// <summary>
    /// Reads the body of an admin <c>POST routes</c>: one route object, an array of them, or a whole
    /// stub document.
    /// </summary>
    /// <exception cref="JsonInputException">The text is not valid.</exception>
    public static List<StubRoute> ReadRoutes(byte[] utf8, string source) => JsonInput.Parse(utf8, source, root => root.ValueKind switch
    {
        JsonValueKind.Array => ReadArray(root, string.Empty),
        JsonValueKind.Object when root.TryGetProperty("format", out _) => ReadDocument(root),
        _ => [StubRoute.Read(root, string.Empty)],
    });

    private static List<StubRoute> ReadDocument(JsonElement root)
    {
        JsonInput.Expect(root, JsonValueKind.Object, string.Empty);
        JsonInput.OnlyKnown(root, string.Empty, "format", "routes", "$schema");
        var format = JsonInput.String(root, "format", string.Empty);
        if (format != Format)
        {
            throw new JsonValueException(format is null ? string.Empty : "/format", $"not a MockKit stub document: \"format\" must be \"{Format}\".");
        }

        return ReadArray(JsonInput.Required(root, "routes", JsonValueKind.Array, string.Empty), "/routes");
    }

    private static List<StubRoute> ReadArray(JsonElement array, string pointer)
    {
        List<StubRoute> routes = [];
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            routes.Add(StubRoute.Read(item, $"{pointer}/{index++}"));
        }

        return routes;
    }
}
