using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// Recordings files: what is redacted, what is left out so files diff cleanly, and how a redacted
/// query, a JSON body and a body cut at BodyLimit replay.
/// </summary>
public sealed class RecordingFileTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    private TestServer Upstream => _app.GetTestServer();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        _app = builder.Build();
        _app.MapGet("/login", (HttpContext context) =>
        {
            context.Response.Headers.Append("Set-Cookie", "session=SECRET-SESSION; Path=/; HttpOnly");
            return Results.Text("welcome");
        });
        _app.MapGet("/callback", () => Results.Text("called back"));
        _app.MapPost("/echo-size", async (HttpContext context) =>
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            return Results.Text($"{body.Length} bytes");
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Set_Cookie_and_credential_query_parameters_are_redacted_by_default_and_more_can_be_named()
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress);
        await using (var server = new MockWebServer { Dispatcher = forward })
        {
            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/callback?state=7&access_token=SECRET-TOKEN&refresh_token=SECRET-REFRESH&client_secret=SECRET-CLIENT&id_token=SECRET-ID&sig=SECRET-SIG"));
            request.Headers.Add("X-Api-Key", "SECRET-KEY");
            (await (await client.SendAsync(request)).Content.ReadAsStringAsync()).ShouldBe("called back");
            await client.GetStringAsync(server.Url("/login"));
            // A forwarded exchange is recorded once its relayed body ended, which can be after the
            // client read it: wait for both before saving (1 run in 20 saved only the first).
            await forward.WaitForRecordingsAsync(2);
        }

        var byDefault = Save(forward, new RecordingOptions());
        byDefault.ShouldNotContain("SECRET-TOKEN");
        byDefault.ShouldNotContain("SECRET-REFRESH");
        byDefault.ShouldNotContain("SECRET-CLIENT");
        byDefault.ShouldNotContain("SECRET-ID");
        byDefault.ShouldNotContain("SECRET-SESSION");
        byDefault.ShouldContain("\"target\": \"/callback?state=7&access_token=REDACTED&refresh_token=REDACTED&client_secret=REDACTED&id_token=REDACTED&sig=SECRET-SIG\"");
        byDefault.ShouldContain("\"value\": \"session=REDACTED; Path=/; HttpOnly\"");
        byDefault.ShouldContain("SECRET-KEY");

        var named = Save(forward, new RecordingOptions { RedactHeaders = ["X-Api-Key"], RedactQueryParameters = ["sig"] });
        named.ShouldNotContain("SECRET-KEY");
        named.ShouldNotContain("SECRET-SIG");
        named.ShouldNotContain("SECRET-TOKEN");

        var kept = Save(forward, new RecordingOptions { IncludeSecrets = true });
        kept.ShouldContain("access_token=SECRET-TOKEN");
        kept.ShouldContain("session=SECRET-SESSION");
    }

    [Fact]
    public async Task A_redacted_query_parameter_replays_on_its_presence_with_any_value()
    {
        var path = Temp();
        try
        {
            await File.WriteAllTextAsync(path, Recording(
                """{ "method": "GET", "target": "/callback?state=7&access_token=REDACTED" }""",
                """{ "status": 200, "body": "called back" }""",
                times: 3));
            var routes = Dispatcher.Replay(path);
            await using var server = new MockWebServer { Dispatcher = routes };
            using var client = new HttpClient();

            (await client.GetStringAsync(server.Url("/callback?state=7&access_token=ANY-VALUE"))).ShouldBe("called back");
            (await client.GetAsync(server.Url("/callback?state=8&access_token=ANY-VALUE"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await client.GetAsync(server.Url("/callback?state=7"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            routes.Unmatched.Count.ShouldBe(2);
            routes.Unmatched[0].Failure!.Message.ShouldNotContain("ANY-VALUE");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_request_body_cut_at_BodyLimit_replays_on_its_kept_prefix_and_recorded_size()
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress);
        var upload = Encoding.ASCII.GetBytes(new string('a', 40) + new string('b', 60));
        await using (var server = new MockWebServer { Dispatcher = forward, BodyLimit = 16 })
        {
            using var client = new HttpClient();
            (await (await client.PostAsync(server.Url("/echo-size"), new ByteArrayContent(upload))).Content.ReadAsStringAsync()).ShouldBe("100 bytes");
            await forward.WaitForRecordingsAsync(1);
        }

        var path = Temp();
        try
        {
            forward.SaveRecordings(path);
            var routes = Dispatcher.Replay(path);
            await using var replaying = new MockWebServer { Dispatcher = routes, BodyLimit = 16 };
            using var client = new HttpClient();

            var otherPrefix = (byte[])upload.Clone();
            otherPrefix[3] = (byte)'z';
            (await client.PostAsync(replaying.Url("/echo-size"), new ByteArrayContent(otherPrefix))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await client.PostAsync(replaying.Url("/echo-size"), new ByteArrayContent(upload[..99]))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await (await client.PostAsync(replaying.Url("/echo-size"), new ByteArrayContent(upload))).Content.ReadAsStringAsync()).ShouldBe("100 bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_JSON_request_body_is_recorded_as_bodyJson_and_replays_structurally()
    {
        var path = Temp();
        try
        {
            await File.WriteAllTextAsync(path, Recording(
                """{ "method": "POST", "target": "/alerts", "bodyJson": { "city": "Bergen", "level": "storm", "tags": [1, 2.50] } }""",
                """{ "status": 201 }""",
                times: 2));
            var routes = Dispatcher.Replay(path);
            await using var server = new MockWebServer { Dispatcher = routes };
            using var client = new HttpClient();

            var reordered = new StringContent("{\"level\":\"storm\",\n  \"tags\":[1,2.50], \"city\":\"Bergen\"}", Encoding.UTF8, "application/json");
            (await client.PostAsync(server.Url("/alerts"), reordered)).StatusCode.ShouldBe(HttpStatusCode.Created);
            var different = new StringContent("{\"level\":\"rain\",\"tags\":[1,2.50],\"city\":\"Bergen\"}", Encoding.UTF8, "application/json");
            (await client.PostAsync(server.Url("/alerts"), different)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            routes.Unmatched.ShouldHaveSingleItem().Failure!.Message.ShouldContain("is not the recorded JSON");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Recording_the_same_traffic_twice_gives_identical_files_without_Host_or_framing_fields()
    {
        var first = await RecordScriptAsync();
        var second = await RecordScriptAsync();

        second.ShouldBe(first);
        first.ShouldNotContain("\"Host\"");
        first.ShouldNotContain("\"Transfer-Encoding\"");
        first.ShouldNotContain("\"Content-Length\"");
        first.ShouldContain("\"bodyJson\": {");
    }

    private async Task<string> RecordScriptAsync()
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress);
        await using (var server = new MockWebServer { Dispatcher = forward })
        {
            using var client = new HttpClient();
            await client.GetStringAsync(server.Url("/callback?state=1"));
            using var chunked = new StreamContent(new NonSeekableStream(new byte[300]));
            await client.PostAsync(server.Url("/echo-size"), chunked);
            await client.PostAsync(server.Url("/echo-size"), new StringContent("{\"a\": [1, 2]}", Encoding.UTF8, "application/json"));
            await forward.WaitForRecordingsAsync(3);
        }

        return Save(forward, new RecordingOptions());
    }

    private static string Recording(string request, string response, int times) =>
        "{ \"format\": \"mockkit-recordings/1\", \"exchanges\": ["
        + string.Join(", ", Enumerable.Repeat($"{{ \"request\": {request}, \"response\": {response} }}", times))
        + "] }";

    private static string Save(ForwardingDispatcher forward, RecordingOptions options)
    {
        var path = Temp();
        try
        {
            forward.SaveRecordings(path, options);
            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), $"mockkit-recording-{Guid.NewGuid():N}.json");

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}
