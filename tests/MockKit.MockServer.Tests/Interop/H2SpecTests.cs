using System.Diagnostics;
using System.Globalization;
using MockKit.MockServer.Tests.Support;
using MockKit.Tls;
using Xunit.Abstractions;

namespace MockKit.MockServer.Tests.Interop;

/// <summary>
/// h2spec, the HTTP/2 conformance suite (RFC 7540/9113 and RFC 7541 cases), against MockWebServer:
/// all 146 cases over h2c prior knowledge, over TLS with ALPN h2, and over h2c while h2load loads the
/// same server on other connections. A failure shows h2spec's report of the failed cases.
/// <c>MOCKKIT_H2SPEC_RUNS=N</c> makes each test a reliability loop: N runs against one server, then
/// N runs against a fresh server each (the load test: N runs under one load).
/// </summary>
public sealed class H2SpecTests(ITestOutputHelper output)
{
    private const string RunsVariable = "MOCKKIT_H2SPEC_RUNS";

    // h2load batches: 50 connections of 20 concurrent streams, a bounded number of requests each,
    // repeated until h2spec is done.
    private const int LoadRequestsPerBatch = 10_000;

    // Some cases read a response body in several DATA frames under a tiny window (section 6.9).
    private static readonly string Body = new('h', 1024);

    [H2SpecFact]
    public Task H2spec_passes_every_case_over_h2c() => RunAsync(tls: false);

    [H2SpecFact]
    public Task H2spec_passes_every_case_over_tls_with_alpn() => RunAsync(tls: true);

    [H2SpecFact]
    public async Task H2spec_passes_every_case_while_h2load_loads_the_server()
    {
        var runs = Runs();
        var loadStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(tls: false, onRequest: r =>
        {
            if (r.Path == "/load")
            {
                loadStarted.TrySetResult();
            }
        });
        using var h2spec = await H2Spec.PrepareAsync();
        using var done = new CancellationTokenSource();
        var load = LoadUntilAsync(server, done.Token);

        // h2spec starts once the load is on the server, so every case runs under it.
        await Task.WhenAny(loadStarted.Task, load).WaitAsync(TimeSpan.FromSeconds(60));
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        for (var run = 1; run <= runs; run++)
        {
            Check(await h2spec.RunAsync(server), $"run {run} of {runs} under load", failures);
        }

        var elapsed = watch.Elapsed;
        await done.CancelAsync();
        var batches = await load;
        output.WriteLine($"h2c under h2load: {runs} runs in {elapsed.TotalSeconds:F1} s, {failures.Count} failed; {batches} h2load batches of {LoadRequestsPerBatch} requests, {server.RequestCount} requests in all");
        ThrowIfAny(failures);
    }

    private async Task RunAsync(bool tls)
    {
        var runs = Runs();
        var mode = tls ? "TLS+ALPN" : "h2c";
        using var h2spec = await H2Spec.PrepareAsync();
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        await using (var server = await StartAsync(tls))
        {
            for (var run = 1; run <= runs; run++)
            {
                Check(await h2spec.RunAsync(server), $"{mode} run {run} of {runs} against one server", failures);
            }
        }

        output.WriteLine($"{mode}: {runs} runs against one server in {watch.Elapsed.TotalSeconds:F1} s, {failures.Count} failed");
        if (runs > 1)
        {
            var failedBefore = failures.Count;
            watch.Restart();
            for (var run = 1; run <= runs; run++)
            {
                await using var server = await StartAsync(tls);
                Check(await h2spec.RunAsync(server), $"{mode} run {run} of {runs} against a fresh server", failures);
            }

            output.WriteLine($"{mode}: {runs} runs against fresh servers in {watch.Elapsed.TotalSeconds:F1} s, {failures.Count - failedBefore} failed");
        }

        ThrowIfAny(failures);
    }

    private static void ThrowIfAny(List<string> failures)
    {
        if (failures.Count > 0)
        {
            throw new ShouldAssertException($"{failures.Count} h2spec run(s) failed:\n\n{string.Join("\n\n", failures)}");
        }
    }

    private static void Check(H2SpecReport report, string run, List<string> failures)
    {
        if (!report.AllPassed)
        {
            failures.Add($"h2spec {run}: {report}");
        }
    }

    private static async Task<MockWebServer> StartAsync(bool tls, Action<RecordedRequest>? onRequest = null)
    {
        var server = new MockWebServer
        {
            Dispatcher = Dispatcher.From(request =>
            {
                onRequest?.Invoke(request);
                return new MockResponse(Body);
            }),
        };
        if (tls)
        {
            server.UseHttps(HandshakeCertificates.Localhost());
        }
        else
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        await server.StartAsync();
        return server;
    }

    /// <summary>h2load batches (bounded each) back to back until <paramref name="stop"/>; every request must succeed.</summary>
    private static async Task<int> LoadUntilAsync(MockWebServer server, CancellationToken stop)
    {
        var batches = 0;
        do
        {
            ExternalProcess.Result result;
            try
            {
                result = await ExternalProcess.RunAsync("h2load",
                    ["-c", "50", "-m", "20", "-n", $"{LoadRequestsPerBatch}", server.Url("/load").ToString()], timeout: TimeSpan.FromMinutes(2));
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("h2load is missing: install the apt package nghttp2-client.", e);
            }

            result.ExitCode.ShouldBe(0, result.ToString());
            result.StandardOutput.ShouldContain($"{LoadRequestsPerBatch} succeeded, 0 failed, 0 errored", Case.Sensitive, result.ToString());
            batches++;
        }
        while (!stop.IsCancellationRequested);

        return batches;
    }

    private static int Runs() =>
        Environment.GetEnvironmentVariable(RunsVariable) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : 1;
}
