using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Client;

namespace MockKit.Benchmarks;

/// <summary>
/// InstrumentedHandler against SocketsHttpHandler (the baseline in each category) on a
/// minimal Kestrel app over loopback HTTP/1.1: sequential GETs on one kept-alive connection,
/// and 16 concurrent callers (one request each per operation, 16 pooled connections).
/// Run: <c>dotnet run -c Release --project bench/MockKit.Benchmarks -- --filter '*ClientBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClientBenchmarks
{
    private const int Concurrency = 16;

    private WebApplication _app = null!;
    private Uri _url = null!;
    private HttpClient _instrumented = null!;
    private HttpClient _sockets = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.MapGet("/", () => "hello benchmark");
        await _app.StartAsync();
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        // The pool keeps 5 idle connections by default (OkHttp's default); SocketsHttpHandler keeps
        // every one. Match it so both reuse all 16 connections.
        _instrumented = new HttpClient(new InstrumentedHandler { Pool = new ConnectionPool(maxIdleConnections: Concurrency) });
        _sockets = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        // Warm both pools to the concurrency level so every operation measures reuse.
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => _instrumented.GetStringAsync(_url)));
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => _sockets.GetStringAsync(_url)));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _instrumented.Dispose();
        _sockets.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Sequential")]
    public Task<string> SocketsSequential() => _sockets.GetStringAsync(_url);

    [Benchmark]
    [BenchmarkCategory("Sequential")]
    public Task<string> InstrumentedSequential() => _instrumented.GetStringAsync(_url);

    [Benchmark(Baseline = true, OperationsPerInvoke = Concurrency)]
    [BenchmarkCategory("Concurrent16")]
    public Task SocketsConcurrent16() => ConcurrentAsync(_sockets);

    [Benchmark(OperationsPerInvoke = Concurrency)]
    [BenchmarkCategory("Concurrent16")]
    public Task InstrumentedConcurrent16() => ConcurrentAsync(_instrumented);

    private Task ConcurrentAsync(HttpClient client)
    {
        var calls = new Task[Concurrency];
        for (var i = 0; i < Concurrency; i++)
        {
            calls[i] = client.GetStringAsync(_url);
        }

        return Task.WhenAll(calls);
    }
}
