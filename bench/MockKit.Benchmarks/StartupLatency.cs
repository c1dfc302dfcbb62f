using System.Diagnostics;
using System.Globalization;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>startup [mockIterations] [kestrelIterations]</c>: the time from constructing a server to
/// the first response body read by an HttpClient, with a fresh server and a fresh
/// SocketsHttpHandler every iteration (so each includes bind, accept, TCP connect and the
/// first exchange, as in a test that starts its own server). Shutdown is outside the timing.
/// <c>startup-cold mock|kestrel</c> times one iteration in a fresh process instead: what the
/// first test of a run pays, JIT of the server and of the HttpClient stack included.
/// </summary>
internal static class StartupLatency
{
    // Untimed iterations first, so the figures are steady state and not JIT. The cold figure
    // comes from startup-cold: in this process the second server measured would find the
    // HttpClient stack already compiled by the first.
    private const int WarmupIterations = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        var mockIterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var kestrelIterations = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;

        var mock = await MeasureAsync("MockWebServer", mockIterations, MockOnceAsync);
        var kestrel = await MeasureAsync("Kestrel", kestrelIterations, KestrelOnceAsync);
        Console.WriteLine(FormattableString.Invariant($"ratio Kestrel/MockWebServer (median): {kestrel / mock:0.0}x"));
        return 0;
    }

    public static async Task<int> RunColdAsync(string[] args)
    {
        var (name, once) = args.ElementAtOrDefault(1) switch
        {
            "mock" => ("MockWebServer", (Func<Task<TimeSpan>>)MockOnceAsync),
            "kestrel" => ("Kestrel", KestrelOnceAsync),
            _ => throw new ArgumentException("Usage: startup-cold mock|kestrel", nameof(args)),
        };
        var cold = await once();
        Console.WriteLine(FormattableString.Invariant($"{name,-14} cold (fresh process): {cold.TotalMilliseconds,8:0.0} ms"));
        return 0;
    }

    /// <returns>The median in milliseconds.</returns>
    private static async Task<double> MeasureAsync(string name, int iterations, Func<Task<TimeSpan>> once)
    {
        for (var i = 0; i < WarmupIterations; i++)
        {
            await once();
        }

        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            samples[i] = (await once()).TotalMilliseconds;
        }

        Array.Sort(samples);
        var median = Percentile(samples, 0.5);
        Console.WriteLine(FormattableString.Invariant(
            $"{name,-14} n={iterations,4}  median {median,8:0.000} ms  p90 {Percentile(samples, 0.9),8:0.000} ms  min {samples[0],8:0.000} ms  max {samples[^1],8:0.000} ms"));
        return median;
    }

    // Nearest-rank on sorted samples.
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task<TimeSpan> MockOnceAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var server = MockServerHost.Start();
        try
        {
            await FirstResponseAsync(new Uri($"http://127.0.0.1:{server.Port}/"));
            return Stopwatch.GetElapsedTime(start);
        }
        finally
        {
            await server.ShutdownAsync();
        }
    }

    private static async Task<TimeSpan> KestrelOnceAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var (app, port) = await KestrelHost.StartAsync();
        await using (app)
        {
            await FirstResponseAsync(new Uri($"http://127.0.0.1:{port}/"));
            var elapsed = Stopwatch.GetElapsedTime(start);
            await app.StopAsync();
            return elapsed;
        }
    }

    private static async Task FirstResponseAsync(Uri url)
    {
        using var client = new HttpClient(new SocketsHttpHandler());
        var body = await client.GetStringAsync(url);
        if (body != FixedResponse.Text)
        {
            throw new InvalidOperationException($"Unexpected body '{body}' from {url}.");
        }
    }
}
