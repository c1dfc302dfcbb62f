using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using MockKit.Client;
using MockKit.Tls;

namespace MockKit.Benchmarks;

/// <summary>
/// InstrumentedHandler against SocketsHttpHandler (the baseline) on the same Kestrel h2 (TLS + ALPN)
/// server in the same run: 100 concurrent GETs multiplexed on one connection per handler (Kestrel's
/// default SETTINGS_MAX_CONCURRENT_STREAMS is 100). Requests/s = OperationsPerInvoke / mean.
/// Run: <c>dotnet run -c Release --project bench/MockKit.Benchmarks -- --filter '*Http2ClientBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class Http2ClientBenchmarks
{
    private const int Concurrency = 100;

    private WebApplication _app = null!;
    private Uri _url = null!;
    private HttpClient _instrumented = null!;
    private HttpClient _sockets = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_app, var port) = await KestrelHost.StartAsync("h2");
        _url = new Uri($"https://localhost:{port}/");
        _instrumented = new HttpClient(new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost(), Protocols = [MockKit.Protocol.Http2] });
        _sockets = new HttpClient(HandshakeCertificates.Localhost().CreateSocketsHttpHandler())
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        // One warm connection each; every operation then measures multiplexing on it.
        if ((await _instrumented.GetAsync(_url)).Version != HttpVersion.Version20 || (await _sockets.GetAsync(_url)).Version != HttpVersion.Version20)
        {
            throw new InvalidOperationException("Both handlers must speak HTTP/2 to the benchmark server.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _instrumented.Dispose();
        _sockets.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Concurrency)]
    public Task SocketsConcurrent100() => ConcurrentAsync(_sockets);

    [Benchmark(OperationsPerInvoke = Concurrency)]
    public Task InstrumentedConcurrent100() => ConcurrentAsync(_instrumented);

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
