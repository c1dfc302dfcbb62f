using System.Net;
using System.Text;
using System.Text.Json;
using MockKit.Tool.Tests.Support;

namespace MockKit.Tool.Tests;

/// <summary>The admin API under /__mockkit/, driven by the runtime's own HttpClient against the tool process.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private readonly HttpClient _client = new(new SocketsHttpHandler());
    private MockKitProcess _tool = null!;

    public async Task InitializeAsync() => _tool = await MockKitProcess.StartAsync("--stubs", Path.Combine(ToolPaths.Samples, "stubs", "faults.json"));

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _tool.DisposeAsync();
    }

    [Fact]
    public async Task Routes_enqueue_requests_unmatched_and_reset_round_trip()
    {
        (await GetAsync("health")).GetProperty("status").GetString().ShouldBe("ok");

        var added = await SendAsync(HttpMethod.Post, "routes", """[{"method": "GET", "path": "/a", "response": {"body": "A"}}, {"path": "/b/{id}", "times": 1, "response": {"status": 202}}]""");
        added.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await GetAsync("routes")).GetProperty("routes").GetArrayLength().ShouldBe(9); // 7 from the file, 2 added.

        (await _client.GetStringAsync(Url("a"))).ShouldBe("A");
        (await _client.GetAsync(Url("b/1"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        // Routes first, then the queue, then the near-miss 404.
        (await SendAsync(HttpMethod.Post, "enqueue", """{"status": 200, "body": "queued", "headers": [{"name": "X-From", "value": "queue"}]}""")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var queued = await _client.GetAsync(Url("b/2")); // Times(1) is used up: the queue answers.
        (await queued.Content.ReadAsStringAsync()).ShouldBe("queued");
        queued.Headers.GetValues("X-From").ShouldBe(["queue"]);
        var miss = await _client.GetAsync(Url("b/3"));
        miss.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await miss.Content.ReadAsStringAsync()).ShouldContain("* /b/{id}: used up: matched 1 of Times(1)");

        // Admin calls are never recorded: exactly the five requests above, in order, and take consumes.
        var requests = await GetAsync("requests?take=10&timeoutMs=0");
        requests.EnumerateArray().Select(r => r.GetProperty("target").GetString()).ShouldBe(["/a", "/b/1", "/b/2", "/b/3"]);
        requests[0].GetProperty("failure").ValueKind.ShouldBe(JsonValueKind.Null);
        requests[3].GetProperty("failureType").GetString().ShouldBe("UnmatchedRequestException");
        (await GetAsync("requests")).GetArrayLength().ShouldBe(0);

        var unmatched = await GetAsync("unmatched");
        unmatched.GetArrayLength().ShouldBe(1);
        unmatched[0].GetProperty("failure").GetString()!.ShouldContain("No route matched GET /b/3");

        (await SendAsync(HttpMethod.Delete, "routes", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _client.GetAsync(Url("a"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await GetAsync("unmatched")).GetArrayLength().ShouldBe(2); // DELETE keeps what was unmatched.

        (await SendAsync(HttpMethod.Post, "reset", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await GetAsync("unmatched")).GetArrayLength().ShouldBe(0);
        (await GetAsync("requests")).GetArrayLength().ShouldBe(0);
        (await _client.GetStringAsync(Url("slow"))).ShouldBe("late"); // The stub file's routes serve afresh.
    }

    [Fact]
    public async Task Take_waits_up_to_its_timeout_and_returns_fewer_when_none_arrive()
    {
        var waiting = _client.GetStringAsync(Url("__mockkit/requests?take=2&timeoutMs=20000"));
        await _client.GetAsync(Url("slow"));
        await _client.GetAsync(Url("binary"));
        using (var both = JsonDocument.Parse(await waiting))
        {
            both.RootElement.EnumerateArray().Select(r => r.GetProperty("target").GetString()).ShouldBe(["/slow", "/binary"]);
            both.RootElement[1].GetProperty("bodySize").GetInt64().ShouldBe(0);
        }

        using var none = JsonDocument.Parse(await _client.GetStringAsync(Url("__mockkit/requests?take=1&timeoutMs=50")));
        none.RootElement.GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Bad_input_gets_400_with_the_parser_position_and_unknown_paths_404()
    {
        var bad = await SendAsync(HttpMethod.Post, "routes", "{\"path\": \"/x\",\n  \"response\": {\"status\": 200,}}");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using (var error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()))
        {
            error.RootElement.GetProperty("line").GetInt32().ShouldBe(2);
            error.RootElement.GetProperty("error").GetString()!.ShouldStartWith("request body:2:");
        }

        var wrongType = await SendAsync(HttpMethod.Post, "enqueue", "{\"status\": \"200\"}");
        wrongType.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await wrongType.Content.ReadAsStringAsync()).ShouldContain("request body:1:12: /status: must be a number, not a string.");

        var unknownMember = await SendAsync(HttpMethod.Post, "routes", "{\"path\": \"/x\", \"respones\": {}}");
        (await unknownMember.Content.ReadAsStringAsync()).ShouldContain("unknown member \\\"respones\\\"");

        (await _client.GetAsync(Url("__mockkit/nope"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var wrongMethod = await _client.GetAsync(Url("__mockkit/reset"));
        wrongMethod.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        wrongMethod.Content.Headers.Allow.ShouldBe(["POST"]);
        (await _client.GetAsync(Url("__mockkit/requests?take=zero"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // None of these was recorded.
        (await GetAsync("requests")).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Oversized_admin_bodies_get_413_declared_or_chunked()
    {
        var big = new string('x', 2 * 1024 * 1024);
        (await SendAsync(HttpMethod.Post, "routes", big)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, Url("__mockkit/enqueue")) { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        chunked.Headers.TransferEncodingChunked = true;
        (await _client.SendAsync(chunked)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await GetAsync("health")).GetProperty("queued").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Routes_are_listed_as_given_and_a_listed_route_can_be_posted_back()
    {
        const string Route = """{"path": "/orders/{id}", "query": {"expand": "lines"}, "response": {"bodyJson": {"id": 7, "lines": []}, "socketPolicy": "DisconnectAtEnd"}}""";
        (await SendAsync(HttpMethod.Post, "routes", Route)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var listed = (await GetAsync("routes")).GetProperty("routes").EnumerateArray().Last();
        listed.GetProperty("source").GetString().ShouldBe("admin");
        listed.GetProperty("response").GetProperty("bodyJson").GetProperty("id").GetInt32().ShouldBe(7); // Not rewritten to "body".
        listed.TryGetProperty("method", out _).ShouldBeFalse(); // Nothing added that was not given.

        // Without "source", the listing is stub syntax the reader takes back.
        var resent = JsonSerializer.Serialize(listed.EnumerateObject().Where(m => m.Name != "source").ToDictionary(m => m.Name, m => m.Value));
        (await SendAsync(HttpMethod.Post, "routes", resent)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    private Uri Url(string path) => new(_tool.Url, path);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string adminPath, string? json)
    {
        using var request = new HttpRequestMessage(method, Url("__mockkit/" + adminPath));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var response = await _client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<JsonElement> GetAsync(string adminPath)
    {
        var response = await _client.GetAsync(Url("__mockkit/" + adminPath));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
