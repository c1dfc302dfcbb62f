using System.Net.Sockets;
using System.Text;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;
using MockKit.MockServer.Tests.Soak;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// A test that never takes its requests keeps every recording: an untaken HTTP/1.1 GET must stay
/// small (raw head bytes, materialised only when read). Measured at 156 B (bench: retention
/// mode); bounded here at 300 B, well under the 540 B of the eager representation. An untaken
/// h2c GET keeps its decoded field section and is bounded at 250 B (the eager form kept about 400 B).
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class RecordingRetentionTests
{
    private const int Requests = 20_000;
    private const int Batch = 100;

    [Fact]
    public async Task An_untaken_HTTP11_GET_retains_few_bytes_and_still_reads_back_in_full()
    {
        var response = new MockResponse("ok");
        await using var server = new MockWebServer { Dispatcher = Dispatcher.From(_ => response) };
        server.Start();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", server.Port);
        var request = Encoding.ASCII.GetBytes($"GET /a?b=c HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\n\r\n");
        var responseLength = await ExchangeAsync(socket, request, 1, 0);
        server.TakeRequest();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var sent = 0; sent < Requests; sent += Batch)
        {
            await ExchangeAsync(socket, request, Batch, responseLength);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perRequest = (after - before) / Requests;
        perRequest.ShouldBeLessThan(300, $"{perRequest} B retained per untaken request");

        // Materialised on first read, with everything the eager form had.
        var recorded = server.TakeRequest();
        recorded.RequestLine.ShouldBe("GET /a?b=c HTTP/1.1");
        recorded.Method.ShouldBe("GET");
        recorded.Target.ShouldBe("/a?b=c");
        recorded.Path.ShouldBe("/a?b=c");
        recorded.Url.ShouldBe(new Uri($"http://127.0.0.1:{server.Port}/a?b=c"));
        recorded.Headers["host"].ShouldBe($"127.0.0.1:{server.Port}");
        recorded.ConnectionIndex.ShouldBe(0);
        recorded.SequenceNumber.ShouldBe(1);
        recorded.Protocol.ShouldBe(Protocol.Http11);
        recorded.Failure.ShouldBeNull();
        recorded.Trailers.Count.ShouldBe(0);
        recorded.ChunkSizes.ShouldBeEmpty();
        recorded.IsBookkeeping.ShouldBeFalse();
        recorded.Headers.ShouldBeSameAs(recorded.Headers);
    }

    [Fact]
    public async Task An_untaken_h2c_GET_retains_few_bytes_and_still_reads_back_in_full()
    {
        var response = new MockResponse("ok");
        await using var server = new MockWebServer
        {
            Dispatcher = Dispatcher.From(_ => response),
            Protocols = [Protocol.H2PriorKnowledge],

            // A stream closes on the server just after its END_STREAM is sent: room for a batch
            // still closing while the next one arrives, so no stream is refused.
            Http2MaxConcurrentStreams = 10 * Batch,
        };
        server.Start();
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        // Section 6.9.2: the connection window starts at 65,535 whatever SETTINGS say; open it so
        // 20,000 two-byte bodies never stall the server.
        await peer.SendFrameAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 0, int.MaxValue - 65_535));
        var nextStream = 1;
        nextStream = await ExchangeAsync(peer, nextStream, 1);
        server.TakeRequest();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var sent = 0; sent < Requests; sent += Batch)
        {
            nextStream = await ExchangeAsync(peer, nextStream, Batch);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perRequest = (after - before) / Requests;
        perRequest.ShouldBeLessThanOrEqualTo(250, $"{perRequest} B retained per untaken h2c request");

        // Materialised on first read, with everything the eager form had.
        var recorded = server.TakeRequest();
        recorded.RequestLine.ShouldBe("GET /a?b=c HTTP/2");
        recorded.Method.ShouldBe("GET");
        recorded.Target.ShouldBe("/a?b=c");
        recorded.Path.ShouldBe("/a?b=c");
        recorded.Url.ShouldBe(new Uri("http://localhost/a?b=c"));
        recorded.Headers["accept"].ShouldBe("*/*");
        recorded.Headers.Count.ShouldBe(1);
        recorded.ConnectionIndex.ShouldBe(0);
        recorded.SequenceNumber.ShouldBeInRange(1, Batch); // Streams of one batch are recorded as they finish.
        recorded.Protocol.ShouldBe(Protocol.H2PriorKnowledge);
        recorded.Failure.ShouldBeNull();
        recorded.Trailers.Count.ShouldBe(0);
        recorded.IsBookkeeping.ShouldBeFalse();
        recorded.Headers.ShouldBeSameAs(recorded.Headers);
    }

    /// <summary>Sends <paramref name="count"/> GETs on new streams in one write, reads every response to its end; returns the next stream id.</summary>
    private static async Task<int> ExchangeAsync(Http2TestPeer peer, int firstStream, int count)
    {
        await peer.SendFrameAsync(w =>
        {
            for (var i = 0; i < count; i++)
            {
                var block = peer.Encode([(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", "/a?b=c"), ("accept", "*/*")]);
                Http2FrameWriter.WriteHeaders(w, firstStream + (2 * i), block, endStream: true, endHeaders: true);
            }
        });

        for (var ended = 0; ended < count;)
        {
            var frame = await peer.ReadFrameAsync() ?? throw new IOException("The server closed the connection.");
            if (frame.Type is Http2FrameType.RstStream or Http2FrameType.GoAway)
            {
                throw new IOException($"Unexpected {frame} code {System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Payload)}.");
            }

            if (frame.Type == Http2FrameType.Headers)
            {
                peer.DecodeHeaders(frame); // Keeps the HPACK decoder's dynamic table in step.
            }

            if (frame.StreamId != 0 && frame.Flags.HasFlag(Http2FrameFlags.EndStream))
            {
                ended++;
            }
        }

        return firstStream + (2 * count);
    }

    /// <summary>Sends <paramref name="count"/> pipelined requests and reads their responses; returns one response's length.</summary>
    private static async Task<int> ExchangeAsync(Socket socket, byte[] request, int count, int responseLength)
    {
        var batch = new byte[request.Length * count];
        for (var i = 0; i < count; i++)
        {
            request.CopyTo(batch, i * request.Length);
        }

        await socket.SendAsync(batch);
        var buffer = new byte[64 * 1024];
        if (responseLength == 0)
        {
            // The first response: read until its 2-byte body ("ok") has arrived.
            var received = 0;
            while (true)
            {
                received += await socket.ReceiveAsync(buffer.AsMemory(received));
                var text = Encoding.ASCII.GetString(buffer, 0, received);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0 && received >= end + 4 + 2)
                {
                    return end + 4 + 2;
                }
            }
        }

        for (var read = 0; read < count * responseLength;)
        {
            var got = await socket.ReceiveAsync(buffer.AsMemory(0, Math.Min(buffer.Length, (count * responseLength) - read)));
            if (got == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            read += got;
        }

        return responseLength;
    }
}
