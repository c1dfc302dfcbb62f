using MockKit.MockServer;
using MockKit.MockServer.Tests.Support;
using MockKit.Tool.Tests.Support;

namespace MockKit.Tool.Tests;

/// <summary>The tool as a process: command line, ready line, stub files served to curl, TLS, h2c, signals, refused starts.</summary>
public sealed class StandaloneProcessTests
{
    [Fact]
    public async Task Help_and_version_follow_the_conventions()
    {
        var (exit, output, _) = await MockKitProcess.RunToEndAsync("--help");
        exit.ShouldBe(0);
        output.ShouldContain("serve");
        (exit, output, _) = await MockKitProcess.RunToEndAsync("serve", "--help");
        exit.ShouldBe(0);
        foreach (var option in new[] { "--port", "--host", "--https", "--ca-out", "--h2c", "--stubs", "--replay", "--forward", "--record-to", "--admin-token", "--log-format" })
        {
            output.ShouldContain(option);
        }

        (exit, output, _) = await MockKitProcess.RunToEndAsync("--version");
        exit.ShouldBe(0);
        output.Trim().ShouldBe("0.1.0");
    }

    [Fact]
    public async Task A_usage_error_exits_2_naming_the_problem()
    {
        var (exit, _, error) = await MockKitProcess.RunToEndAsync("serve", "--port", "not-a-port");
        exit.ShouldBe(2);
        error.ShouldContain("--port");
        (exit, _, error) = await MockKitProcess.RunToEndAsync("serve", "--record-to", "x.json");
        exit.ShouldBe(2);
        error.ShouldContain("--record-to saves what --forward records");
    }

    [Fact]
    public async Task Serves_the_sample_stubs_to_curl_with_the_near_miss_404_for_the_rest()
    {
        await using var tool = await MockKitProcess.StartAsync("--stubs", Path.Combine(ToolPaths.Samples, "stubs"));
        tool.Url.Port.ShouldBeGreaterThan(0); // --port 0 by default: a free port, named by the ready line.
        var user = await ExternalProcess.CurlAsync("-H", "Accept: application/json", tool.Url + "users/7");
        user.StandardOutput.ShouldBe("{\"id\":7,\"name\":\"Ada\"}");
        var search = await ExternalProcess.CurlAsync(tool.Url + "search?q=ada+lovelace");
        search.StandardOutput.ShouldBe("1 result");
        var flaky = await ExternalProcess.CurlAsync("--retry", "1", "--retry-delay", "0", "-w", " %{http_code}", tool.Url + "flaky");
        flaky.StandardOutput.ShouldBe("recovered 200");
        var chunked = await ExternalProcess.CurlAsync("--raw", tool.Url + "chunked");
        chunked.StandardOutput.ShouldContain("X-Checksum: abc");
        var cut = await ExternalProcess.CurlAsync(tool.Url + "cut");
        cut.ExitCode.ShouldNotBe(0); // DisconnectDuringResponseBody(10): the body is cut after 10 bytes.
        cut.StandardOutput.ShouldBe("0123456789");
        var miss = await ExternalProcess.CurlAsync("-w", "\n%{http_code}", tool.Url + "users/7/orders");
        miss.StandardOutput.ShouldContain("GET /users/{id}: path /users/7/orders has 3 segments, the template 2");
        miss.StandardOutput.ShouldEndWith("404");

        // The traffic log on stderr is the TrafficLog text: the request line, and the near-miss line.
        // They are separate writes, read from the pipe as they come, so the wait is for both (waiting
        // for the request line alone raced the near-miss line).
        await WaitUntilAsync(() => LogLines(tool).Any(IsRequestLine) && LogLines(tool).Any(line => line.Contains("No route matched GET /users/7/orders HTTP/1.1", StringComparison.Ordinal)));

        static IEnumerable<string> LogLines(MockKitProcess tool) => tool.StandardError.Split('\n');
        static bool IsRequestLine(string line) =>
            line.Contains("GET /users/7/orders HTTP/1.1", StringComparison.Ordinal) && !line.Contains("No route matched", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_shuts_down_writes_record_to_and_exits_0()
    {
        await using var upstream = new MockWebServer();
        upstream.Enqueue(new MockResponse("from upstream") { Headers = { { "Content-Type", "text/plain" } } });
        var recordTo = Path.Combine(Path.GetTempPath(), $"mockkit-record-{Guid.NewGuid():N}.json");
        try
        {
            await using var tool = await MockKitProcess.StartAsync("--forward", upstream.Url("/").ToString(), "--record-to", recordTo);
            var forwarded = await ExternalProcess.CurlAsync(tool.Url + "weather?city=Oslo");
            forwarded.StandardOutput.ShouldBe("from upstream");
            upstream.TakeRequest().Target.ShouldBe("/weather?city=Oslo");

            // A forwarding server has no routes or queue: changing them is a conflict, said in words.
            foreach (var (method, path, body) in new[] { ("POST", "routes", "[]"), ("DELETE", "routes", ""), ("POST", "enqueue", "{}") })
            {
                var refused = await ExternalProcess.CurlAsync("-s", "-X", method, "-d", body, "-w", "\n%{http_code}", tool.Url + "__mockkit/" + path);
                refused.StandardOutput.ShouldEndWith("\n409", customMessage: $"{method} {path}");
                refused.StandardOutput.ShouldContain("this server forwards every request (--forward)", customMessage: $"{method} {path}");
            }

            (await tool.TerminateAsync()).ShouldBe(0, tool.StandardError);
            var saved = await File.ReadAllTextAsync(recordTo);
            saved.ShouldContain("\"format\": \"mockkit-recordings/1\"");
            saved.ShouldContain("/weather?city=Oslo");
            saved.ShouldContain("from upstream");

            // The file replays: a second tool serves it without the upstream.
            await using var replay = await MockKitProcess.StartAsync("--replay", recordTo);
            (await ExternalProcess.CurlAsync(replay.Url + "weather?city=Oslo")).StandardOutput.ShouldBe("from upstream");
            (await replay.TerminateAsync("INT")).ShouldBe(0);
        }
        finally
        {
            File.Delete(recordTo);
        }
    }

    [Fact]
    public async Task Log_format_json_writes_one_object_per_line_with_the_connection_and_exchange()
    {
        await using var tool = await MockKitProcess.StartAsync("--log-format", "json");
        (await ExternalProcess.CurlAsync("-w", "%{http_code}", "-o", "/dev/null", tool.Url + "json-log")).StandardOutput.ShouldBe("404");
        await WaitUntilAsync(() => tool.StandardError.Contains("No route matched GET /json-log", StringComparison.Ordinal));
        var lines = tool.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            using var entry = System.Text.Json.JsonDocument.Parse(line); // Every line is one JSON object.
            entry.RootElement.TryGetProperty("time", out _).ShouldBeTrue(line);
        }

        var requestLine = lines.Single(l => l.Contains("\"GET /json-log HTTP/1.1\"", StringComparison.Ordinal));
        using var request = System.Text.Json.JsonDocument.Parse(requestLine);
        request.RootElement.GetProperty("connection").GetInt32().ShouldBe(0);
        request.RootElement.GetProperty("exchange").GetInt32().ShouldBe(0);
        request.RootElement.GetProperty("message").GetString().ShouldBe("GET /json-log HTTP/1.1");
    }

    [Fact]
    public async Task A_malformed_recordings_file_is_refused_at_start()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mockkit-replay-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, "{\"format\": \"mockkit-recordings/1\", \"exchanges\": [{\"request\": {}}]}");
        try
        {
            var (exit, output, error) = await MockKitProcess.RunToEndAsync("serve", "--replay", file);
            exit.ShouldBe(2);
            output.ShouldNotContain("listening");
            error.ShouldContain($"{file}: exchange 0");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_signal_right_at_the_ready_line_still_shuts_down_cleanly()
    {
        // The window between the ready line and the wait once let a signal surface as a cancelled
        // write (exit 1); repeated, as a signal can land anywhere in it.
        for (var i = 0; i < 8; i++)
        {
            await using var tool = await MockKitProcess.StartAsync("--log-format", "none");
            (await tool.TerminateAsync(i % 2 == 0 ? "TERM" : "INT")).ShouldBe(0, tool.StandardError);
        }
    }

    [Fact]
    public async Task Https_writes_the_root_before_the_ready_line_and_curl_trusts_it()
    {
        var caOut = Path.Combine(Path.GetTempPath(), $"mockkit-ca-{Guid.NewGuid():N}.pem");
        try
        {
            await using var tool = await MockKitProcess.StartAsync("--https", "--ca-out", caOut, "--stubs", Path.Combine(ToolPaths.Samples, "stubs", "users.json"));
            tool.Url.Scheme.ShouldBe("https");
            File.ReadAllText(caOut).ShouldStartWith("-----BEGIN CERTIFICATE-----"); // Already there at the ready line.
            var user = await ExternalProcess.CurlAsync("--cacert", caOut, "--http2", "-w", " %{http_version}", "-H", "Accept: application/json", tool.Url + "users/7");
            user.StandardOutput.ShouldBe("{\"id\":7,\"name\":\"Ada\"} 2");
            var health = await ExternalProcess.CurlAsync("--cacert", caOut, tool.Url + "__mockkit/health");
            health.StandardOutput.ShouldContain("\"status\":\"ok\"");
        }
        finally
        {
            File.Delete(caOut);
        }
    }

    [Fact]
    public async Task H2c_serves_routes_and_the_admin_api_over_cleartext_http2()
    {
        await using var tool = await MockKitProcess.StartAsync("--h2c", "--stubs", Path.Combine(ToolPaths.Samples, "stubs", "faults.json"));
        var flaky = await ExternalProcess.CurlAsync("--http2-prior-knowledge", "-w", " %{http_code} %{http_version}", tool.Url + "flaky");
        flaky.StandardOutput.ShouldBe(" 503 2");
        var reset = await ExternalProcess.CurlAsync("--http2-prior-knowledge", tool.Url + "reset");
        reset.ExitCode.ShouldNotBe(0);
        await WaitUntilAsync(() => tool.StandardError.Contains("ResetStreamAtStart(RefusedStream)", StringComparison.Ordinal)); // curl retries a refused stream, then gives up.
        var admin = await ExternalProcess.CurlAsync("--http2-prior-knowledge", tool.Url + "__mockkit/requests");
        admin.StandardOutput.ShouldContain("\"protocol\":\"H2PriorKnowledge\"");
    }

    [Fact]
    public async Task A_malformed_stub_file_is_refused_at_start_with_path_line_and_column()
    {
        var folder = Directory.CreateTempSubdirectory("mockkit-stubs-").FullName;
        try
        {
            // A good file first, so "never half-loaded" is visible: nothing at all is served.
            File.Copy(Path.Combine(ToolPaths.Samples, "stubs", "users.json"), Path.Combine(folder, "a.json"));
            var bad = Path.Combine(folder, "b.json");
            await File.WriteAllTextAsync(bad, "{\n  \"format\": \"mockkit-stubs/1\",\n  \"routes\": [\n    {\"path\": \"/x\", \"response\": {\"socketPolicy\": \"DisconnectSometimes\"}}\n  ]\n}\n");
            var (exit, output, error) = await MockKitProcess.RunToEndAsync("serve", "--stubs", folder);
            exit.ShouldBe(2);
            output.ShouldNotContain("listening");
            error.ShouldContain($"{bad}:4:49: /routes/0/response/socketPolicy: \"DisconnectSometimes\" is not a socket policy");

            await File.WriteAllTextAsync(bad, "{\"format\": \"mockkit-stubs/1\", \"routes\": [\n  {\"path\": \"/x\",, }]}");
            (exit, _, error) = await MockKitProcess.RunToEndAsync("serve", "--stubs", folder);
            exit.ShouldBe(2);
            error.ShouldContain($"{bad}:2:17: not valid JSON");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Listening_beyond_loopback_without_a_token_warns()
    {
        await using var tool = await MockKitProcess.StartAsync("--host", "0.0.0.0", "--port", "0");
        await WaitUntilAsync(() => tool.StandardError.Contains("without --admin-token", StringComparison.Ordinal));
        await using var guarded = await MockKitProcess.StartAsync("--host", "0.0.0.0", "--admin-token", "s3cret");
        (await ExternalProcess.CurlAsync($"http://127.0.0.1:{guarded.Url.Port}/__mockkit/health", "-w", "%{http_code}", "-o", "/dev/null")).StandardOutput.ShouldBe("401");
        guarded.StandardError.ShouldNotContain("without --admin-token");
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
