using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Tests.Fuzz;

/// <summary>
/// Feeds seeded hostile HTTP/2 frame sequences to a prior-knowledge server: valid conversations
/// (preface, SETTINGS, requests with bodies, PING, WINDOW_UPDATE) whose frames are then mutated —
/// bad lengths, random flags, wrong stream ids, HPACK garbage, window overflows, CONTINUATION
/// floods, truncation, random bytes. For each input the server must end the connection within a
/// deadline once the client half-closes, and never fail with an unexpected exception; an HTTP/2
/// bystander on other connections is served throughout.
/// </summary>
/// <remarks>CI runs 1,500 inputs; MOCKKIT_FUZZ_INPUTS and MOCKKIT_FUZZ_SEED run it longer or differently.</remarks>
public sealed class Http2FrameFuzzTests
{
    private static readonly TimeSpan PerInputDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Hostile_frame_sequences_never_hang_or_crash_the_server()
    {
        var inputs = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_INPUTS"), out var n) ? n : 1_500;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MOCKKIT_FUZZ_SEED"), out var s) ? s : 20261122;
        var failures = new ConcurrentQueue<string>();
        await using var server = new MockWebServer
        {
            Protocols = [Protocol.H2PriorKnowledge],
            Dispatcher = Dispatcher.From(_ => new MockResponse("ok")),
            BodyLimit = 1024,
            TrafficLog = line =>
            {
                if (line.Contains("FAILED", StringComparison.Ordinal))
                {
                    failures.Enqueue(line);
                }
            },
        };
        server.Start();

        using var stopBystander = new CancellationTokenSource();
        var served = 0;
        var bystander = Task.Run(async () =>
        {
            using var client = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            while (!stopBystander.IsCancellationRequested)
            {
                (await client.GetStringAsync(server.Url("/bystander"))).ShouldBe("ok");
                served++;
            }
        });

        var random = new Random(seed);
        for (var i = 0; i < inputs; i++)
        {
            var input = Http2FrameMutator.Mutate(Conversation(random), random, fixedPrefix: 1);
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, server.Port);
            var stream = client.GetStream();
            using var deadline = new CancellationTokenSource(PerInputDeadline);
            try
            {
                await stream.WriteAsync(input, deadline.Token);
                client.Client.Shutdown(SocketShutdown.Send);
                var buffer = new byte[16384];
                while (await stream.ReadAsync(buffer, deadline.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
                // A reset after a connection error is a fine way for the server to end it.
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"Input {i} (seed {seed}, {input.Length} bytes) did not end within {PerInputDeadline}.");
            }
        }

        await stopBystander.CancelAsync();
        await bystander;
        served.ShouldBeGreaterThan(0);
        failures.ShouldBeEmpty();
    }

    /// <summary>A valid client conversation: preface, SETTINGS, a few requests (some with bodies), PING, WINDOW_UPDATE.</summary>
    private static List<byte[]> Conversation(Random random)
    {
        var frames = new List<byte[]> { Http2Constants.ClientPreface.ToArray(), Http2FrameMutator.Frame(w => Http2FrameWriter.WriteSettings(w, new Http2Settings { InitialWindowSize = 1 << 20 })) };
        var encoder = new HpackEncoder();
        var requests = random.Next(1, 4);
        for (var r = 0; r < requests; r++)
        {
            var streamId = (2 * r) + 1;
            var withBody = random.Next(2) == 0;
            var fields = new List<HpackHeaderField>
            {
                new(":method", withBody ? "POST" : "GET"),
                new(":scheme", "http"),
                new(":authority", "fuzz.test"),
                new(":path", $"/fuzz/{r}?q={random.Next()}"),
                new("x-fuzz", new string('v', random.Next(0, 40))),
            };
            if (withBody)
            {
                fields.Add(new("content-length", "5"));
            }

            using var block = new PooledBufferWriter();
            encoder.Encode(fields.ToArray(), block);
            var blockBytes = block.WrittenSpan.ToArray();
            if (random.Next(4) == 0 && blockBytes.Length > 2)
            {
                // Split across HEADERS + CONTINUATION.
                var cut = random.Next(1, blockBytes.Length);
                frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, blockBytes.AsSpan(0, cut), endStream: !withBody, endHeaders: false)));
                frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteContinuation(w, streamId, blockBytes.AsSpan(cut), endHeaders: true)));
            }
            else
            {
                frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, blockBytes, endStream: !withBody, endHeaders: true)));
            }

            if (withBody)
            {
                frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteData(w, streamId, "hello"u8, endStream: true, padLength: random.Next(3) == 0 ? (byte)random.Next(0, 20) : null)));
            }
        }

        frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WritePing(w, (ulong)random.NextInt64())));
        frames.Add(Http2FrameMutator.Frame(w => Http2FrameWriter.WriteWindowUpdate(w, 0, random.Next(1, 1 << 20))));
        return frames;
    }

}
