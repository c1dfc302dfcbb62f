using System.Diagnostics;
using System.Globalization;
using MockKit.Client;
using MockKit.Tls;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>client-profile [requests]</c>: a diagnostic companion to <see cref="ClientBenchmarks"/>, not a
/// benchmark. It sends the same sequential GETs with each handler to the same Kestrel app and
/// prints, per request, what explains a latency gap better than a mean: thread-pool work items
/// (each one is a hop between threads), lock contentions, bytes allocated process-wide, and the
/// process's CPU time.
/// </summary>
internal static class ClientProfile
{
    private static long s_exceptions;
    private static int s_callers = 1;

    public static async Task<int> RunAsync(string[] args)
    {
        var exceptionKinds = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            Interlocked.Increment(ref s_exceptions);
            if (Environment.GetEnvironmentVariable("MOCKKIT_PROFILE_EXCEPTIONS") == "1")
            {
                // Which exceptions, thrown where: the type, the message and the first frames of the throwing stack.
                var frames = string.Join(" < ", new StackTrace(1, false).GetFrames().Take(4).Select(f => f.GetMethod()?.DeclaringType?.Name + "." + f.GetMethod()?.Name));
                exceptionKinds.AddOrUpdate($"{e.Exception.GetType().Name}: {e.Exception.Message} @ {frames}", 1, (_, n) => n + 1);
            }
        };
        using var printExceptions = new DisposeAction(() =>
        {
            foreach (var (kind, count) in exceptionKinds.OrderByDescending(k => k.Value))
            {
                Console.WriteLine($"{count,6} x {kind}");
            }
        });
        // A sixth argument: concurrent callers (default 1, sequential; 0: sequential with the calling thread blocked on each call).
        s_callers = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 1;
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        // A fifth argument names the path: "string" for the response ClientBenchmarks measures; "raw" for the
        // same response from a server that uses no thread-pool work items (ThreadServer), so the counts are the client's.
        var path = args.Length > 4 ? args[4] : "";
        // "h2": Http2ClientBenchmarks' shape instead (Kestrel h2 over TLS, one multiplexed connection per handler;
        // pass 100 callers for its Concurrent100).
        var h2 = path == "h2";
        using var raw = path == "raw" ? new ThreadServer() : null;
        var (app, port) = raw is null ? await KestrelHost.StartAsync(h2 ? "h2" : "h1") : (null, raw.Port);
        await using var _ = app;
        var url = h2 ? new Uri($"https://localhost:{port}/")
            : path.StartsWith("http:", StringComparison.Ordinal) ? new Uri(path) : new Uri($"http://127.0.0.1:{port}/{(raw is null ? path : "")}");
        using var sockets = h2
            ? new HttpClient(HandshakeCertificates.Localhost().CreateSocketsHttpHandler())
            {
                DefaultRequestVersion = System.Net.HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            }
            : new HttpClient(new SocketsHttpHandler { UseProxy = false });
        // As in ClientBenchmarks: keep every connection of the concurrent shape idle between rounds.
        using var instrumented = new HttpClient(h2
            ? new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost(), Protocols = [MockKit.Protocol.Http2] }
            : new InstrumentedHandler { Pool = new ConnectionPool(maxIdleConnections: 16) });
        // "types" as the fourth argument: also print the allocated types (sampled) per request.
        using var sampler = args.Length > 3 && args[3] == "types" ? new AllocationSampler() : null;
        foreach (var (name, client) in new[] { ("SocketsHttpHandler", sockets), ("InstrumentedHandler", instrumented) })
        {
            if (args.Length > 2 && !name.StartsWith(args[2], StringComparison.OrdinalIgnoreCase))
            {
                continue; // Only the named handler (for a profiler session).
            }

            if (h2)
            {
                // As Http2ClientBenchmarks' setup: one connection first, so the concurrent callers all share it
                // (callers that all start before any connection exists may each open one).
                (await client.GetAsync(url)).Dispose();
            }

            await MeasureAsync(client, url, requests / 4); // Warm-up: JIT tiering, the connection.
            sampler?.Start();
            var (micros, cpu, items, contentions, bytes) = await MeasureAsync(client, url, requests);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name,-20} {micros,8:0.0} us/req  {cpu,6:0.0} cpu us/req  {items,5:0.00} work items/req  {contentions,5:0.000} contentions/req  {bytes,7:0} B/req  {Interlocked.Read(ref s_exceptions)} exceptions"));
            sampler?.StopAndPrint(requests);
        }

        return 0;
    }

    private static async Task<(double Micros, double Cpu, double Items, double Contentions, double Bytes)> MeasureAsync(HttpClient client, Uri url, int requests)
    {
        // Process CPU time (client and, in process, the server): on a loaded machine it moves far less
        // than the wall clock, which counts the time other processes held the cores.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var items = ThreadPool.CompletedWorkItemCount;
        var contentions = Monitor.LockContentionCount;
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        if (s_callers == 0)
        {
            // As BenchmarkDotNet's in-process toolchain runs a Task benchmark: the harness thread blocks on each call.
            for (var i = 0; i < requests; i++)
            {
                client.GetStringAsync(url).GetAwaiter().GetResult();
            }
        }
        else if (s_callers <= 1)
        {
            for (var i = 0; i < requests; i++)
            {
                await client.GetStringAsync(url);
            }
        }
        else
        {
            // ClientBenchmarks' Concurrent16 shape: rounds of s_callers calls started together.
            var calls = new Task[s_callers];
            for (var i = 0; i < requests; i += s_callers)
            {
                for (var c = 0; c < calls.Length; c++)
                {
                    calls[c] = client.GetStringAsync(url);
                }

                await Task.WhenAll(calls);
            }
        }

        clock.Stop();
        return (
            clock.Elapsed.TotalMicroseconds / requests,
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / requests,
            (ThreadPool.CompletedWorkItemCount - items) / (double)requests,
            (Monitor.LockContentionCount - contentions) / (double)requests,
            (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)requests);
    }

    private sealed class DisposeAction(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
