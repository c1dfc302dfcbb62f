using System.Text;
using System.Text.Json;
using MockKit.Http1;
using MockKit.MockServer;

namespace MockKit.Tool.Stubs;

/// <summary>
/// One route of a stub file (<c>mockkit-stubs/1</c>) or of an admin <c>POST routes</c>, in
/// <see cref="RouteDispatcher"/>'s own terms: method and path template, header, query and body
/// conditions, a <c>times</c> limit, and one response (every time) or several (in order). Kept as a
/// definition so the standalone server can build a fresh dispatcher from it on reset.
/// </summary>
/// <param name="Method">The method, or <c>*</c> (the default) for any.</param>
/// <param name="Path">The path template (<c>/users/{id}</c>, a trailing <c>{*rest}</c>).</param>
/// <param name="Headers">Required header values, in file order.</param>
/// <param name="Query">Required decoded query values, in file order.</param>
/// <param name="BodyContains">Text the body must contain (ordinal), or null.</param>
/// <param name="Times">How many matches the route serves, or null for no limit.</param>
/// <param name="Responses">The response (one) or responses in order (<paramref name="InOrder"/>).</param>
/// <param name="InOrder">True for <c>responses</c>: each served once, in order, then the route stops matching.</param>
/// <param name="Definition">The route object as it was given (a detached copy), which <c>GET routes</c> lists.</param>
internal sealed record StubRoute(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    string? BodyContains,
    int? Times,
    IReadOnlyList<MockResponse> Responses,
    bool InOrder,
    JsonElement Definition)
{
    private static readonly string[] Members = ["method", "path", "headers", "query", "bodyContains", "times", "response", "responses"];

    /// <summary>Adds this route to <paramref name="routes"/> (after the ones it has).</summary>
    public void AddTo(RouteDispatcher routes)
    {
        var builder = routes.Map(Method, Path);
        foreach (var (name, value) in Headers)
        {
            builder.WithHeader(name, value);
        }

        foreach (var (name, value) in Query)
        {
            builder.WithQuery(name, value);
        }

        if (BodyContains is { } text)
        {
            builder.WithBody(body => body.Contains(text, StringComparison.Ordinal), $"body contains {JsonInput.Quote(text)}");
        }

        if (Times is { } times)
        {
            builder.Times(times);
        }

        if (InOrder)
        {
            builder.RespondInOrder([.. Responses]);
        }
        else
        {
            builder.Respond(Responses[0]);
        }
    }

    /// <summary>Reads one route object at <paramref name="pointer"/>.</summary>
    public static StubRoute Read(JsonElement obj, string pointer)
    {
        JsonInput.Expect(obj, JsonValueKind.Object, pointer);
        JsonInput.OnlyKnown(obj, pointer, Members);
        var method = JsonInput.String(obj, "method", pointer) ?? "*";
        if (method != "*" && !HttpFieldSyntax.IsToken(Encoding.UTF8.GetBytes(method)))
        {
            throw new JsonValueException($"{pointer}/method", $"{JsonInput.Quote(method)} is not an HTTP method token (RFC 9110 section 9.1) or \"*\".");
        }

        var path = JsonInput.String(obj, "path", pointer) ?? throw new JsonValueException(pointer, "has no \"path\" (a path template such as \"/users/{id}\").");
        try
        {
            // Checks the template as the route will use it: Map parses it and adds nothing until a
            // Respond call, so the scratch dispatcher is only a checker.
            new RouteDispatcher().Map(method, path);
        }
        catch (ArgumentException e)
        {
            throw new JsonValueException($"{pointer}/path", e.Message);
        }

        var headers = Pairs(obj, "headers", pointer, validateHeader: true);
        var query = Pairs(obj, "query", pointer, validateHeader: false);
        var bodyContains = JsonInput.String(obj, "bodyContains", pointer);
        var times = JsonInput.Int(obj, "times", pointer, 1, int.MaxValue);
        var single = JsonInput.Member(obj, "response", JsonValueKind.Object, pointer);
        var several = JsonInput.Member(obj, "responses", JsonValueKind.Array, pointer);
        if (single is not null == several is not null)
        {
            throw new JsonValueException(pointer, "needs exactly one of \"response\" (served every time) and \"responses\" (served in order, once each).");
        }

        List<MockResponse> responses = [];
        if (single is { } one)
        {
            responses.Add(StubResponse.Read(one, $"{pointer}/response"));
        }
        else
        {
            var index = 0;
            foreach (var item in several!.Value.EnumerateArray())
            {
                responses.Add(StubResponse.Read(item, $"{pointer}/responses/{index++}"));
            }

            if (responses.Count == 0)
            {
                throw new JsonValueException($"{pointer}/responses", "is empty; give at least one response.");
            }
        }

        return new StubRoute(method, path, headers, query, bodyContains, times, responses, InOrder: several is not null, obj.Clone());
    }

    private static List<KeyValuePair<string, string>> Pairs(JsonElement obj, string name, string pointer, bool validateHeader)
    {
        List<KeyValuePair<string, string>> pairs = [];
        if (JsonInput.Member(obj, name, JsonValueKind.Object, pointer) is not { } map)
        {
            return pairs;
        }

        foreach (var member in map.EnumerateObject())
        {
            var at = $"{pointer}/{name}/{JsonPositions.Escape(member.Name)}";
            JsonInput.Expect(member.Value, JsonValueKind.String, at);
            var value = member.Value.GetString()!;
            if (member.Name.Length == 0 || (validateHeader && (!HttpFieldSyntax.IsValidFieldName(member.Name) || !StubResponse.IsWireSafe(value))))
            {
                throw new JsonValueException(at, $"{JsonInput.Quote(member.Name)}: {JsonInput.Quote(value)} is not a valid {(validateHeader ? "header field (RFC 9110 section 5)" : "query parameter")}.");
            }

            pairs.Add(new(member.Name, value));
        }

        return pairs;
    }
}
