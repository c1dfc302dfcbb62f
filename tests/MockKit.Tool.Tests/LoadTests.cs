using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MockKit.MockServer.Tests.Support;
using MockKit.Tool.Tests.Support;

namespace MockKit.Tool.Tests;

/// <summary>
/// wrk drives 10,000 requests through the tool while 100 admin calls interleave with them: zero errors
/// on either side, and every request wrk completed is recorded once, taken once, answered by its route.
/// </summary>
public sealed partial class LoadTests
{
    private const int Threads = 4;
    private const int PerThread = 2_500;
    private const int Total = Threads * PerThread;

    // Each wrk thread has one connection and stops itself after its quota of responses, so exactly
    // Total requests complete; request() numbers them so each path is unique. wrk's main thread sleeps
    // for -d whatever its threads do, so the test ends it with SIGINT (wrk then prints its summary and
    // done()) once the server has recorded them all. request() may build one request that is never sent
    // after its thread stopped, so "issued" is reported but the accounting uses "completed".
    private const string Script = """
        local quota = tonumber(os.getenv("MOCKKIT_QUOTA"))
        local threads = {}
        local count = 0
        function setup(thread)
          count = count + 1
          thread:set("id", count)
          table.insert(threads, thread)
        end
        function init(args)
          issued = 0
          answered = 0
        end
        function request()
          issued = issued + 1
          return wrk.format("GET", "/load/" .. id .. "-" .. issued)
        end
        function response(status, headers, body)
          answered = answered + 1
          if answered >= quota then wrk.thread:stop() end
        end
        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("completed=%d errors=%d\n", summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
        end
        """;

    [Fact]
    public async Task Ten_thousand_requests_from_wrk_with_100_admin_calls_interleaved_are_all_accounted_for()
    {
        var stubs = Path.Combine(Path.GetTempPath(), $"mockkit-load-{Guid.NewGuid():N}.json");
        var script = Path.ChangeExtension(stubs, ".lua");
        await File.WriteAllTextAsync(stubs, """{"format": "mockkit-stubs/1", "routes": [{"method": "GET", "path": "/load/{*rest}", "response": {"body": "ok"}}]}""");
        await File.WriteAllTextAsync(script, Script);
        try
        {
            await using var tool = await MockKitProcess.StartAsync("--stubs", stubs, "--log-format", "none");
            using var admin = new HttpClient();
            var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { $"-t{Threads}", $"-c{Threads}", "-d120s", "-s", script, tool.Url.ToString() })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["MOCKKIT_QUOTA"] = PerThread.ToString(CultureInfo.InvariantCulture);
            using var wrk = Process.Start(start)!;
            var wrkOutput = wrk.StandardOutput.ReadToEndAsync();
            var wrkError = wrk.StandardError.ReadToEndAsync();

            // 100 admin calls while the load runs; the takes consume recorded requests as they arrive.
            var taken = new List<string>();
            for (var i = 0; i < 100; i++)
            {
                var (path, expected) = (i % 4) switch
                {
                    0 => ("health", HttpStatusCode.OK),
                    1 => ("requests?take=500&timeoutMs=0", HttpStatusCode.OK),
                    2 => ("routes", HttpStatusCode.OK),
                    _ => ("unmatched", HttpStatusCode.OK),
                };
                using var response = await admin.GetAsync(new Uri(tool.Url, "__mockkit/" + path));
                var text = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(expected, text);
                if (path.StartsWith("requests", StringComparison.Ordinal))
                {
                    taken.AddRange(Targets(text));
                }
            }

            // Every request wrk completes is recorded before its response is written: wait for the count.
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(110)))
            {
                while (await RequestCountAsync(admin, tool.Url) < Total)
                {
                    await Task.Delay(50, deadline.Token);
                }
            }

            (await ExternalProcess.RunAsync("kill", ["-INT", wrk.Id.ToString(CultureInfo.InvariantCulture)])).ExitCode.ShouldBe(0);
            await wrk.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var summary = await wrkOutput;
            var match = Summary().Match(summary);
            match.Success.ShouldBeTrue($"wrk printed no summary:\n{summary}\n{await wrkError}");
            int.Parse(match.Groups["errors"].Value, CultureInfo.InvariantCulture).ShouldBe(0, summary);
            int.Parse(match.Groups["completed"].Value, CultureInfo.InvariantCulture).ShouldBe(Total, summary);

            using var rest = await admin.GetAsync(new Uri(tool.Url, $"__mockkit/requests?take={Total}&timeoutMs=0"));
            taken.AddRange(Targets(await rest.Content.ReadAsStringAsync()));
            taken.Count.ShouldBe(Total);
            taken.Distinct().Count().ShouldBe(Total); // Each wrk request once: /load/<thread>-<n>.
            taken.ShouldAllBe(target => target.StartsWith("/load/", StringComparison.Ordinal));
            (await RequestCountAsync(admin, tool.Url)).ShouldBe(Total); // The 100 admin calls were never recorded.
            using var unmatched = await admin.GetAsync(new Uri(tool.Url, "__mockkit/unmatched"));
            (await unmatched.Content.ReadAsStringAsync()).Trim().ShouldBe("[]");
        }
        finally
        {
            File.Delete(stubs);
            File.Delete(script);
        }
    }

    private static async Task<int> RequestCountAsync(HttpClient admin, Uri url)
    {
        using var health = JsonDocument.Parse(await admin.GetStringAsync(new Uri(url, "__mockkit/health")));
        return health.RootElement.GetProperty("requestCount").GetInt32();
    }

    private static List<string> Targets(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(r =>
        {
            r.GetProperty("failure").ValueKind.ShouldBe(JsonValueKind.Null);
            return r.GetProperty("target").GetString()!;
        })];
    }

    [GeneratedRegex(@"completed=(?<completed>\d+) errors=(?<errors>\d+)")]
    private static partial Regex Summary();
}
