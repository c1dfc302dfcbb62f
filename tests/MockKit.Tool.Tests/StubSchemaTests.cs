using System.Reflection;
using System.Text;
using System.Text.Json;
using Json.Schema;
using MockKit.MockServer;
using MockKit.Tool.Stubs;
using MockKit.Tool.Tests.Support;

namespace MockKit.Tool.Tests;

/// <summary>
/// docs/stubs.schema.json, checked by an independent JSON Schema implementation (JsonSchema.Net), and
/// the server's own stub reader agree: the samples pass both, each malformed document fails both.
/// </summary>
public sealed class StubSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromFile(ToolPaths.Schema);

    public static TheoryData<string> Samples() => [.. Directory.GetFiles(Path.Combine(ToolPaths.Samples, "stubs"), "*.json").Select(f => Path.GetFileName(f)!)];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_stub_file_is_valid_for_the_schema_and_the_reader(string file)
    {
        var path = Path.Combine(ToolPaths.Samples, "stubs", file);
        var text = File.ReadAllText(path);
        Errors(text).ShouldBeEmpty();
        StubDocument.ReadFile(Encoding.UTF8.GetBytes(text), path).ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("""{"routes": []}""")]
    [InlineData("""{"format": "mockkit-stubs/2", "routes": []}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"response": {}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a"}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {}, "responses": [{}]}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "responses": []}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "a", "response": {}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "method": "GE T", "response": {}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "times": 0, "response": {}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {}, "extra": 1}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"status": 99}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"status": "200"}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"body": "x", "bodyBase64": "eA=="}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"headers": [{"name": "Bad Name", "value": "v"}]}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"headers": [{"name": "X", "value": "a\r\nInjected: 1"}]}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"headers": {"X": "object, not array"}}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"socketPolicy": "Sometimes"}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"socketPolicy": "ResetStreamAtStart(Oops)"}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"socketPolicy": "DisconnectDuringResponseBody(-2)"}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"delayMs": -1}}]}""")]
    [InlineData("""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"delayMs": 1.5}}]}""")]
    public void A_malformed_document_fails_the_schema_and_the_reader(string json)
    {
        Errors(json).ShouldNotBeEmpty();
        var refused = Should.Throw<JsonInputException>(() => StubDocument.ReadFile(Encoding.UTF8.GetBytes(json), "inline.json"));
        refused.Line.ShouldBe(1);
        refused.Column.ShouldBeGreaterThan(0);
        refused.Message.ShouldStartWith($"inline.json:1:{refused.Column}: ");
    }

    [Fact]
    public void Every_named_socket_policy_is_accepted_by_name_by_both()
    {
        // Reflection over SocketPolicy, so a policy added later without a stub name fails here.
        var names = typeof(SocketPolicy).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(SocketPolicy))
            .Select(p => ((SocketPolicy)p.GetValue(null)!).Name)
            .Concat(typeof(SocketPolicy).GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Where(m => m.ReturnType == typeof(SocketPolicy) && !m.IsSpecialName)
                .SelectMany(m => new[] { m.Name, ((SocketPolicy)m.Invoke(null, m.GetParameters().Select(p => p.DefaultValue).ToArray())!).Name }))
            .Concat(["DisconnectDuringResponseBody(100)", "ResetStreamAtStart(RefusedStream)", "DoNotReadRequestBody(Cancel)", "ResetStreamAtStart(Http11Required)"])
            .Distinct()
            .Where(name => name != nameof(SocketPolicy.FailHandshake)) // Refused with a reason (below).
            .ToList();
        names.Count.ShouldBeGreaterThanOrEqualTo(20);
        foreach (var name in names)
        {
            var json = $$$"""{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"socketPolicy": "{{{name}}}"}}]}""";
            Errors(json).ShouldBeEmpty($"{name}: {string.Join("; ", Errors(json))}");
            var route = StubDocument.ReadFile(Encoding.UTF8.GetBytes(json), "inline.json").ShouldHaveSingleItem();
            var policy = route.Responses[0].SocketPolicy;
            (policy.Name == name || policy.Name.StartsWith(name + "(", StringComparison.Ordinal)).ShouldBeTrue($"{name} read as {policy.Name}");
        }
    }

    [Fact]
    public void FailHandshake_is_refused_by_both_with_the_reason_it_could_never_act()
    {
        const string Json = """{"format": "mockkit-stubs/1", "routes": [{"path": "/a", "response": {"socketPolicy": "FailHandshake"}}]}""";
        Errors(Json).ShouldNotBeEmpty();
        var refused = Should.Throw<JsonInputException>(() => StubDocument.ReadFile(Encoding.UTF8.GetBytes(Json), "inline.json"));
        refused.Message.ShouldContain("/routes/0/response/socketPolicy: FailHandshake cannot act in the standalone server");
    }

    [Fact]
    public void Positions_name_the_value_at_fault_on_its_own_line()
    {
        const string Json = "{\n  \"format\": \"mockkit-stubs/1\",\n  \"routes\": [\n    {\"path\": \"/a\", \"response\": {}},\n    {\"path\": \"/b\",\n     \"response\": {\"status\": 1000}}\n  ]\n}";
        var refused = Should.Throw<JsonInputException>(() => StubDocument.ReadFile(Encoding.UTF8.GetBytes(Json), "stubs.json"));
        refused.Message.ShouldBe("stubs.json:6:29: /routes/1/response/status: 1000 is not a whole number from 100 to 999.");
    }

    private static List<string> Errors(string json)
    {
        var result = Schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid ? [] : [.. (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")), "invalid"];
    }
}
