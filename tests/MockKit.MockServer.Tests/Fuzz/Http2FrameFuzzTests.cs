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
            var input = Mutate(Conversation(random), random);
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
        var frames = new List<byte[]> { Http2Constants.ClientPreface.ToArray(), Frame(w => Http2FrameWriter.WriteSettings(w, new Http2Settings { InitialWindowSize = 1 << 20 })) };
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
                frames.Add(Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, blockBytes.AsSpan(0, cut), endStream: !withBody, endHeaders: false)));
                frames.Add(Frame(w => Http2FrameWriter.WriteContinuation(w, streamId, blockBytes.AsSpan(cut), endHeaders: true)));
            }
            else
            {
                frames.Add(Frame(w => Http2FrameWriter.WriteHeaders(w, streamId, blockBytes, endStream: !withBody, endHeaders: true)));
            }

            if (withBody)
            {
                frames.Add(Frame(w => Http2FrameWriter.WriteData(w, streamId, "hello"u8, endStream: true, padLength: random.Next(3) == 0 ? (byte)random.Next(0, 20) : null)));
            }
        }

        frames.Add(Frame(w => Http2FrameWriter.WritePing(w, (ulong)random.NextInt64())));
        frames.Add(Frame(w => Http2FrameWriter.WriteWindowUpdate(w, 0, random.Next(1, 1 << 20))));
        return frames;
    }

    private static byte[] Mutate(List<byte[]> frames, Random random)
    {
        if (random.Next(25) == 0)
        {
            var noise = new byte[random.Next(1, 600)];
            random.NextBytes(noise);
            return [.. Http2Constants.ClientPreface.ToArray(), .. noise];
        }

        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            // Frame 0 is the preface; mutate a frame after it (or, rarely, the preface itself).
            var index = random.Next(20) == 0 ? 0 : random.Next(1, frames.Count);
            var frame = frames[index];
            switch (random.Next(10))
            {
                case 0 when frame.Length >= 3: // length field
                    frame[random.Next(3)] = (byte)random.Next(256);
                    break;
                case 1 when frame.Length >= 5: // flags
                    frame[4] = (byte)random.Next(256);
                    break;
                case 2 when frame.Length >= 9: // stream id (sometimes 0, even, or huge)
                    var id = random.Next(4) switch { 0 => 0, 1 => 2 * random.Next(1, 100), 2 => int.MaxValue, _ => random.Next() };
                    frame[5] = (byte)((id >> 24) & 0x7f);
                    frame[6] = (byte)(id >> 16);
                    frame[7] = (byte)(id >> 8);
                    frame[8] = (byte)id;
                    break;
                case 3 when frame.Length > 9: // payload garbage (HPACK garbage in HEADERS)
                    for (var b = 9; b < frame.Length; b++)
                    {
                        if (random.Next(3) == 0)
                        {
                            frame[b] = (byte)random.Next(256);
                        }
                    }

                    break;
                case 4: // window overflow
                    frames.Insert(index, Frame(w => Http2FrameWriter.WriteWindowUpdate(w, random.Next(2) == 0 ? 0 : 1, int.MaxValue)));
                    break;
                case 5: // CONTINUATION flood
                    var flood = Frame(w => Http2FrameWriter.WriteHeaders(w, 99, "\x82"u8, endStream: true, endHeaders: false));
                    var continuation = Frame(w => Http2FrameWriter.WriteContinuation(w, 99, new byte[random.Next(0, 64)], endHeaders: false));
                    frames.Insert(index, [.. flood, .. Enumerable.Repeat(continuation, random.Next(10, 1500)).SelectMany(c => c)]);
                    break;
                case 6: // truncation
                    frames[index] = frame[..random.Next(frame.Length)];
                    break;
                case 7: // unknown frame type
                    frames.Insert(index, Frame(w => Http2FrameWriter.WriteFrame(w, (Http2FrameType)random.Next(10, 256), (Http2FrameFlags)random.Next(256), random.Next(0, 10), new byte[random.Next(0, 50)])));
                    break;
                case 8: // a frame out of order
                    var moved = frames[index];
                    frames.RemoveAt(index);
                    frames.Insert(random.Next(1, frames.Count + 1), moved);
                    break;
                default: // SETTINGS with hostile values
                    frames.Insert(index, Frame(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting((Http2SettingId)random.Next(1, 8), (uint)random.NextInt64(0, uint.MaxValue))])));
                    break;
            }
        }

        return [.. frames.SelectMany(f => f)];
    }

    private static byte[] Frame(Action<PooledBufferWriter> write)
    {
        using var writer = new PooledBufferWriter();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
