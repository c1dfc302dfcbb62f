using System.Diagnostics;
using System.Globalization;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Benchmarks.Grpc;
using MockKit.Grpc;
using MockKit.MockServer;

namespace MockKit.Benchmarks;

/// <summary>
/// <c>grpc-unary [seconds] [callers] [rounds]</c>: unary gRPC calls per second through MockWebServer
/// (h2c, <see cref="GrpcResponse.Unary"/> with a fixed reply, every call recorded) and through
/// Grpc.AspNetCore on Kestrel (h2c, a service answering the same reply), with the same client
/// (Grpc.Net.Client over SocketsHttpHandler) and <c>callers</c> concurrent callers (default 16) on one
/// channel, <c>seconds</c> (default 3) per side, alternating sides for <c>rounds</c> rounds (default 3) so
/// load on the machine shifts both. Prints each measurement, then <c>ratio=</c> the median of the
/// per-round ratios mock ÷ Kestrel.
/// </summary>
internal static class GrpcUnaryLoad
{
    private static readonly Pong Reply = new() { Text = "hello benchmark" };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var callers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;

        // The server records every call (that is the product); the queue is drained as a test would.
        var response = GrpcResponse.Unary(Reply);
        await using var mock = new MockWebServer { Protocols = [MockKit.Protocol.H2PriorKnowledge], Dispatcher = Dispatcher.From(_ => response) };
        await mock.StartAsync();
        var kestrel = await StartKestrelAsync();
        var ratios = new List<double>();
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                var mockRate = await MeasureAsync(mock.Port, seconds, callers, () => DrainAsync(mock));
                var kestrelRate = await MeasureAsync(kestrel.Port, seconds, callers, () => Task.CompletedTask);
                ratios.Add(mockRate / kestrelRate);
                Console.WriteLine(FormattableString.Invariant($"round {round}: mock {mockRate:F0} calls/s, kestrel {kestrelRate:F0} calls/s, ratio {mockRate / kestrelRate:F2}"));
            }
        }
        finally
        {
            await kestrel.App.StopAsync();
            await kestrel.App.DisposeAsync();
        }

        ratios.Sort();
        Console.WriteLine(FormattableString.Invariant($"ratio={ratios[ratios.Count / 2]:F3}"));
        return 0;
    }

    private static async Task<double> MeasureAsync(int port, double seconds, int callers, Func<Task> drain)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler(), DisposeHttpClient = true });
        var client = new Echo.EchoClient(channel);
        var request = new Ping { Text = "ping" };

        // Warm-up: connection, JIT, pools.
        for (var i = 0; i < 200; i++)
        {
            await client.CallAsync(request);
        }

        await drain();
        long calls = 0;
        var stopwatch = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < end)
            {
                await client.CallAsync(request);
                Interlocked.Increment(ref calls);
            }
        })).ToList();
        var draining = Task.Run(async () =>
        {
            while (!Task.WhenAll(workers).IsCompleted)
            {
                await drain();
                await Task.Yield();
            }
        });
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        await draining;
        return calls / elapsed;
    }

    /// <summary>Takes what was recorded so far, as a test would; the mock's record queue stays short.</summary>
    private static Task DrainAsync(MockWebServer server)
    {
        while (server.TakeRequest(TimeSpan.Zero) is not null)
        {
        }

        return Task.CompletedTask;
    }

    private static async Task<(WebApplication App, int Port)> StartKestrelAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return (app, new Uri(address).Port);
    }

    /// <summary>The Kestrel side: a Grpc.AspNetCore service answering the same reply.</summary>
    private sealed class EchoService : Echo.EchoBase
    {
        public override Task<Pong> Call(Ping request, ServerCallContext context) => Task.FromResult(Reply);
    }
}
