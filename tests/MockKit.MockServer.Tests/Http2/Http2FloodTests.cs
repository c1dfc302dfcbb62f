using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using MockKit.Buffers;
using MockKit.Http2;
using MockKit.MockServer.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// Floods a peer controls (RFC 9113 section 10.5; CVE-2019-9512/9514/9518, CVE-2023-44487 and
/// CVE-2025-8671 "MadeYouReset"): each ends that connection with GOAWAY(ENHANCE_YOUR_CALM) or a
/// close after a bounded amount of work and memory, while a well-behaved connection on a frozen
/// clock is never mistaken for a flood. The clocks are frozen (<see cref="FakeTimeProvider"/>)
/// so a slow machine can never spread a flood over several windows of time.
/// </summary>
public sealed class Http2FloodTests
{
    private const ulong FinalPing = 0xF100D;

    [Fact]
    public async Task A_malformed_stream_flood_ends_with_enhance_your_calm_after_a_bounded_number_of_streams()
    {
        var logLines = 0;
        await using var server = new MockWebServer
        {
            Protocols = [Protocol.H2PriorKnowledge],
            TimeProvider = new FakeTimeProvider(),
            TrafficLog = _ => Interlocked.Increment(ref logLines),
        };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        // "MadeYouReset": each HEADERS carrying only :method is malformed (section 8.3.1), so the
        // server itself resets it; none of these resets is sent by the client.
        var methodOnly = peer.Encode([(":method", "GET")]);
        const int streams = 100_000;
        var flood = SendInBatchesAsync(peer, streams, (w, i) =>
            Http2FrameWriter.WriteHeaders(w, (2 * i) + 1, methodOnly, endStream: true, endHeaders: true));

        var goAway = await ReadUntilGoAwayOrFinalPingAckAsync(peer);
        goAway.ShouldNotBeNull($"all {streams} malformed streams were reset and the connection still answered a PING afterwards");
        CodeOf(goAway).ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        await flood;

        // Each malformed stream is recorded (with its failure) and logged until the guard trips:
        // ResetLimit of them, not one per 10-byte frame for as long as the client likes.
        // Measured: exactly 1,000 records and about 1,000 log lines (one per reset stream).
        server.RequestCount.ShouldBe(Http2ServerSession.ResetLimit);
        Volatile.Read(ref logLines).ShouldBeLessThan((2 * Http2ServerSession.ResetLimit) + 100);
        await AnotherConnectionStillWorksAsync(server);
    }

    [Theory]
    [InlineData("content-length mismatch")]
    [InlineData("zero WINDOW_UPDATE on a stream")]
    [InlineData("over the stream limit")]
    public async Task Resets_the_client_provokes_count_as_a_reset_flood(string provocation)
    {
        // "MadeYouReset" (CVE-2025-8671) beyond malformed heads: stream errors the server answers
        // with RST_STREAM, and streams refused over SETTINGS_MAX_CONCURRENT_STREAMS.
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = new FakeTimeProvider(), TrafficLog = log.Enqueue };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        peer.Encoder.UseIndexing = false; // The blocks are encoded once and sent many times.
        var post = peer.Encode([(":method", "POST"), (":scheme", "http"), (":authority", "x"), (":path", "/"), ("content-length", "0")]);
        var get = peer.Encode([(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/")]);
        var flood = SendInBatchesAsync(peer, 3_000, (w, i) =>
        {
            var id = (2 * i) + 1;
            switch (provocation)
            {
                case "content-length mismatch":
                    Http2FrameWriter.WriteHeaders(w, id, post, endStream: false, endHeaders: true);
                    Http2FrameWriter.WriteData(w, id, "x"u8, endStream: true);
                    break;
                case "zero WINDOW_UPDATE on a stream":
                    Http2FrameWriter.WriteHeaders(w, id, get, endStream: false, endHeaders: true);
                    Http2FrameWriter.WriteWindowUpdate(w, id, 0);
                    break;
                default:
                    // Never ended: the first 100 stay open, every later one is refused.
                    Http2FrameWriter.WriteHeaders(w, id, get, endStream: false, endHeaders: true);
                    break;
            }
        });

        var goAway = await ReadUntilGoAwayOrFinalPingAckAsync(peer, log);
        goAway.ShouldNotBeNull($"3,000 streams reset for '{provocation}' and the connection still answered a PING afterwards");
        CodeOf(goAway).ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        await flood;
        await AnotherConnectionStillWorksAsync(server);
    }

    [Theory]
    [InlineData("empty DATA")]
    [InlineData("WINDOW_UPDATE")]
    [InlineData("PRIORITY")]
    public async Task A_cheap_frame_flood_is_enhance_your_calm(string kind)
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = new FakeTimeProvider() };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        if (kind == "empty DATA")
        {
            await peer.SendRequestAsync(1, method: "POST", endStream: false);
        }

        var flood = SendInBatchesAsync(peer, 5_000, (w, i) =>
        {
            switch (kind)
            {
                case "empty DATA":
                    Http2FrameWriter.WriteData(w, 1, [], endStream: false);
                    break;
                case "WINDOW_UPDATE":
                    Http2FrameWriter.WriteWindowUpdate(w, 0, 1);
                    break;
                default:
                    Http2FrameWriter.WritePriority(w, (2 * i) + 3, new Http2PriorityFields(0, false, 16));
                    break;
            }
        });

        var goAway = await ReadUntilGoAwayOrFinalPingAckAsync(peer);
        goAway.ShouldNotBeNull($"5,000 {kind} frames were accepted and the connection still answered a PING afterwards");
        CodeOf(goAway).ShouldBe(Http2ErrorCode.EnhanceYourCalm);
        await flood;
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task A_client_that_never_reads_its_ping_acks_is_disconnected()
    {
        // Every reading of the clock moves it 2 ms on, so a second passes within every 500 PINGs
        // the server handles, however far behind the client it runs: the PING guard (1,000 a
        // second) never trips, and only a bound on what the server queues for this peer can stop
        // the growth.
        var time = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(2) };
        var closings = 0;
        await using var server = new MockWebServer
        {
            Protocols = [Protocol.H2PriorKnowledge],
            TimeProvider = time,
            TrafficLog = line =>
            {
                if (line.Contains("for a peer that does not read", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref closings);
                }
            },
        };
        await using var peer = await Http2TestPeer.HandshakeAsync(server, receiveBufferSize: 4096);

        const int batches = 2_000;
        var batch = Frames(1_000, (w, i) => Http2FrameWriter.WritePing(w, (ulong)i));
        var disconnected = false;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var i = 0; i < batches && !disconnected; i++)
        {
            try
            {
                await peer.SendAsync(batch).WaitAsync(deadline.Token);
            }
            catch (IOException)
            {
                disconnected = true;
            }
        }

        disconnected.ShouldBeTrue($"the server queued the PING ACKs of {batches * 1_000} PINGs for a peer that reads nothing");
        Volatile.Read(ref closings).ShouldBe(1); // Logged once, however many replies were dropped after.
        await AnotherConnectionStillWorksAsync(server);
    }

    [Fact]
    public async Task A_long_lived_connection_on_a_frozen_clock_is_not_mistaken_for_a_flood()
    {
        // 300 exchanges, each with 4 PINGs and 1 SETTINGS: 1,200 PINGs and 300 SETTINGS in all,
        // more than one second's budget of either; the clock never moves. Served work earns the
        // budget back, so this connection must live on.
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = new FakeTimeProvider() };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        for (var i = 0; i < 300; i++)
        {
            var id = (2 * i) + 1;
            server.Enqueue(new MockResponse($"r{i}"));
            await peer.SendFrameAsync(w =>
            {
                for (var p = 0; p < 4; p++)
                {
                    Http2FrameWriter.WritePing(w, (ulong)((i * 4) + p));
                }

                Http2FrameWriter.WriteSettings(w, new Http2Settings());
            });
            await peer.SendRequestAsync(id);
            (await peer.ReadResponseAsync(id)).BodyText.ShouldBe($"r{i}");
        }

        server.RequestCount.ShouldBe(300);
    }

    /// <summary>Sends <paramref name="count"/> frames in batches, then a PING; stops quietly when the server closes.</summary>
    private static async Task SendInBatchesAsync(Http2TestPeer peer, int count, Action<IBufferWriter<byte>, int> write)
    {
        const int batchSize = 5_000;
        try
        {
            for (var start = 0; start < count; start += batchSize)
            {
                var first = start;
                await peer.SendAsync(Frames(Math.Min(batchSize, count - start), (w, i) => write(w, first + i)));
            }

            await peer.SendFrameAsync(w => Http2FrameWriter.WritePing(w, FinalPing));
        }
        catch (IOException)
        {
            // The server ended the connection mid-flood: what the test expects.
        }
    }

    private static byte[] Frames(int count, Action<IBufferWriter<byte>, int> write)
    {
        using var writer = new PooledBufferWriter();
        for (var i = 0; i < count; i++)
        {
            write(writer, i);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The GOAWAY, or null when the ACK of the PING sent after the flood came first (the flood was let through).</summary>
    private static async Task<Http2TestPeer.ReceivedFrame?> ReadUntilGoAwayOrFinalPingAckAsync(Http2TestPeer peer, IEnumerable<string>? serverLog = null)
    {
        var logTail = () => serverLog is null ? string.Empty : "\nServer log (last 20 lines):\n" + string.Join("\n", serverLog.TakeLast(20));
        while (true)
        {
            Http2TestPeer.ReceivedFrame? frame;
            try
            {
                frame = await peer.ReadFrameAsync();
            }
            catch (IOException e)
            {
                throw new ShouldAssertException("The server reset the connection without a GOAWAY." + logTail(), e);
            }

            switch (frame)
            {
                case null:
                    throw new ShouldAssertException("The server closed the connection without a GOAWAY." + logTail());
                case { Type: Http2FrameType.GoAway }:
                    return frame;
                case { Type: Http2FrameType.Ping } when frame.Flags.HasFlag(Http2FrameFlags.Ack) && BinaryPrimitives.ReadUInt64BigEndian(frame.Payload) == FinalPing:
                    return null;
            }
        }
    }

    private static Http2ErrorCode CodeOf(Http2TestPeer.ReceivedFrame goAway) =>
        (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4));

    private static async Task AnotherConnectionStillWorksAsync(MockWebServer server)
    {
        while (server.TakeRequest(TimeSpan.Zero) is not null)
        {
            // Drop what the flooding connection recorded.
        }

        server.Enqueue(new MockResponse("healthy"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);
        (await peer.ReadResponseAsync(1)).BodyText.ShouldBe("healthy");
    }
}
