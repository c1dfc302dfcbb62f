using System.Collections.Concurrent;
using System.Net.Sockets;

namespace MockKit.MockServer.Tests.Fuzz;

/// <summary>
/// Feeds seeded hostile HTTP/1.1 input to the server, WebSocket upgrade handshakes and frames included. For every input the server must end the
/// connection within a deadline once the client half-closes, record at least one entry (a
/// request or a failure) for it, and never fail with an unexpected exception; meanwhile a
/// well-behaved client on other connections is served throughout.
/// </summary>
/// <remarks>
/// CI runs 2,000 inputs. Set MOCKKIT_FUZZ_INPUTS (e.g. 100000) and MOCKKIT_FUZZ_SEED to run
/// longer locally; a failure message names the seed and input index that reproduce it.
/// </remarks>
public sealed class Http1FuzzTests
{
    private static readonly TimeSpan PerInputDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Hostile_requests_never_hang_crash_or_go_unrecorded()
    {
        var inputs = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_INPUTS"), out var n) ? n : 2_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_SEED"), out var s) ? s : 20261122;
        var log = new ConcurrentQueue<string>();
        var upgrades = 0;
        await using var server = new MockWebServer
        {
            // Upgrade requests get a WebSocket (echoing until the client closes or the input ends), so
            // mutated handshakes and frames reach the handshake validation and the runtime's framing.
            Dispatcher = Dispatcher.From(request => request.Headers.Contains("Upgrade")
                ? new MockResponse { Headers = { { "Sec-WebSocket-Protocol", "chat" } }, WebSocketHandler = EchoUntilClosedAsync }
                : new MockResponse("ok")),
            TrafficLog = line =>
            {
                if (line.Contains("-> 101 Switching Protocols", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref upgrades);
                }

                if (line.Contains("FAILED", StringComparison.Ordinal))
                {
                    log.Enqueue(line);
                }
            },
            BodyLimit = 1024,
        };
        server.Start();

        using var wellBehaved = new CancellationTokenSource();
        var served = 0;
        var bystander = Task.Run(async () =>
        {
            using var client = new HttpClient();
            while (!wellBehaved.IsCancellationRequested)
            {
                (await client.GetStringAsync(server.Url("/bystander"))).ShouldBe("ok");
                served++;
            }
        });

        var mutator = new Http1RequestMutator(seed);
        for (var i = 0; i < inputs; i++)
        {
            var input = mutator.Next();
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(server.HostName, server.Port);
            var stream = client.GetStream();
            using var deadline = new CancellationTokenSource(PerInputDeadline);
            try
            {
                await stream.WriteAsync(input, deadline.Token);
                client.Client.Shutdown(SocketShutdown.Send);
                var buffer = new byte[4096];
                while (await stream.ReadAsync(buffer, deadline.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
                // The server may reset a connection it rejected while input was still arriving.
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"Input {i} (seed {seed}) did not end within {PerInputDeadline}: {Show(input)}");
            }
        }

        await wellBehaved.CancelAsync();
        await bystander;
        served.ShouldBeGreaterThan(0);
        log.ShouldBeEmpty();
        upgrades.ShouldBeGreaterThan(0, "no input reached the WebSocket upgrade");

        // Every accepted connection — each fuzz input had its own — left at least one entry.
        var connections = new HashSet<int>();
        while (server.TakeRequest(TimeSpan.Zero) is { } recorded)
        {
            connections.Add(recorded.ConnectionIndex);
        }

        var unrecorded = Enumerable.Range(0, connections.Max() + 1).Where(index => !connections.Contains(index)).ToList();
        unrecorded.ShouldBeEmpty($"connections that left no recorded entry (seed {seed})");
        connections.Count.ShouldBeGreaterThanOrEqualTo(inputs);
    }

    private static async Task EchoUntilClosedAsync(System.Net.WebSockets.WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, cancellationToken);
        }
    }

    private static string Show(byte[] input) => MockKit.Http1.Http1HeadParser.Printable(input);
}
