using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>serve-mock[-h2c|-h2]</c> and <c>serve-kestrel[-h2c|-h2]</c>: host one server for an external
/// load generator (bench/http1-server.sh runs wrk against the HTTP/1 ones, bench/http2-server.sh
/// runs h2load against the HTTP/2 ones: h2c is prior knowledge, h2 is TLS with ALPN). Prints <c>port=N</c> once listening, serves
/// until SIGTERM or SIGINT, then prints what the server kept in memory.
/// </summary>
internal static class ServeMode
{
    public static async Task<int> RunAsync(string mode)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        var variant = mode.EndsWith("-h2c", StringComparison.Ordinal) ? "h2c" : mode.EndsWith("-h2", StringComparison.Ordinal) ? "h2" : mode.EndsWith("-grpc", StringComparison.Ordinal) ? "grpc" : "h1";
        switch (mode)
        {
            case "serve-mock" or "serve-mock-h2c" or "serve-mock-h2" or "serve-mock-grpc":
                // MOCKKIT_ALLOCATION_TYPES=1: also print which types make up the bytes per request.
                using (var sampler = Environment.GetEnvironmentVariable("MOCKKIT_ALLOCATION_TYPES") == "1" ? new AllocationSampler() : null)
                await using (var server = MockServerHost.Start(variant))
                {
                    sampler?.Start();
                    Console.WriteLine($"port={server.Port}");
                    await stop.Task;
                    // A full collection first, so the heap is what the records retain.
                    var count = Math.Max(1, server.RequestCount);
                    var workItems = ThreadPool.CompletedWorkItemCount;
                    var retained = GC.GetTotalMemory(forceFullCollection: true);
                    Report($"recorded {server.RequestCount} requests; per request {GC.GetTotalAllocatedBytes(precise: true) / count} bytes allocated, {retained / count} retained, {workItems / (double)count:0.00} thread-pool work items");
                    sampler?.StopAndPrint(count);
                }

                return 0;
            case "serve-kestrel" or "serve-kestrel-h2c" or "serve-kestrel-h2":
                var (app, port) = await KestrelHost.StartAsync(variant);
                await using (app)
                {
                    Console.WriteLine($"port={port}");
                    await stop.Task;
                    // Totals (Kestrel does not count its requests here): divide by the load's request count.
                    Report($"served; in total {GC.GetTotalAllocatedBytes(precise: true)} bytes allocated, {ThreadPool.CompletedWorkItemCount} thread-pool work items");
                    await app.StopAsync();
                }

                return 0;
            default:
                throw new ArgumentException($"Unknown serve mode '{mode}'.", nameof(mode));
        }

        void Stop(PosixSignalContext context)
        {
            // Let Main return normally so the server shuts down and the summary is printed.
            context.Cancel = true;
            stop.TrySetResult();
        }
    }

    // The peak working set shows what per-request recording costs over a whole wrk run.
    private static void Report(string what)
    {
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"{what}; peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MiB, GC heap {GC.GetTotalMemory(false) / (1024 * 1024)} MiB, gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
    }
}
