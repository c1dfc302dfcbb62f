using System.Globalization;
using System.Net;
using MockKit.MockServer;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>retention-h2c [N]</c>: the managed bytes one recorded, never-taken h2c GET costs the server.
/// Sends N (default 100,000) <c>GET /</c> requests with prior-knowledge HTTP/2 from
/// SocketsHttpHandler over one connection, 64 at a time, then divides the growth of
/// <c>GC.GetTotalMemory(true)</c> by N. As in <c>retention</c>, the baseline is taken after a
/// warm-up whose requests are taken back out, so only the recordings remain (the client's
/// connection state is there before and after).
/// </summary>
internal static class RecordingRetentionH2c
{
    private const int Concurrency = 64;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var response = new MockResponse("Hello, world!");
        await using var server = new MockWebServer
        {
            Dispatcher = Dispatcher.From(_ => response),
            Protocols = [Protocol.H2PriorKnowledge],
            Http2MaxConcurrentStreams = 10 * Concurrency,
        };
        server.Start();
        using var client = new HttpClient(new SocketsHttpHandler())
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var url = server.Url("/");

        await SendAsync(client, url, 2_000);
        while (server.TakeRequest(TimeSpan.Zero) is not null)
        {
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        await SendAsync(client, url, count);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"recorded {count} untaken h2c GETs: managed {before / 1024} KiB -> {after / 1024} KiB, {(after - before) / (double)count:0} B retained per request");
        GC.KeepAlive(server);
        return 0;
    }

    private static async Task SendAsync(HttpClient client, Uri url, int count)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                using var answer = await client.GetAsync(url);
                await answer.Content.ReadAsByteArrayAsync();
            }
        }));
    }
}
