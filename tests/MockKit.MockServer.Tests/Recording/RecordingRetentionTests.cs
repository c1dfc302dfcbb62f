using System.Net.Sockets;
using System.Text;
using MockKit.MockServer.Tests.Soak;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// A test that never takes its requests keeps every recording: an untaken HTTP/1.1 GET must stay
/// small (raw head bytes, materialised only when read). Measured at 156 B (bench: retention
/// mode); bounded here at 300 B, well under the 540 B of the eager representation.
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
