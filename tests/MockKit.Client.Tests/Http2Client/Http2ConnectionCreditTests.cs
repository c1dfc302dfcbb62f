using System.Buffers.Binary;
using MockKit.Client.Connections;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// RFC 9113 section 6.9: DATA counts against the connection window whatever happens to its stream,
/// so every byte the server sent must eventually be credited back, read or not. The peer here
/// honours the client's connection window exactly: a client that forgets credit stalls it.
/// </summary>
public sealed class Http2ConnectionCreditTests
{
    private const int BodySize = Http2Connection.StreamWindowSize; // The most one stream may carry unread.

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bodies_disposed_unread_after_their_end_give_the_connection_window_back(bool redirect)
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var chunk = new byte[Http2Constants.DefaultMaxFrameSize];
        long window = Http2Constants.DefaultInitialWindowSize;
        Http2ServerPeer.Connection? connection = null;

        // More than the whole 16 MiB connection window, in complete bodies nobody reads.
        var calls = (Http2Connection.ConnectionWindowSize / BodySize) + 4;
        var streamId = 1;
        for (var i = 0; i < calls; i++)
        {
            var call = client.GetAsync(peer.Url(redirect ? "/from" : "/big"), HttpCompletionOption.ResponseHeadersRead);
            connection ??= await peer.AcceptAsync();
            await ExpectHeadersAsync(connection, streamId);
            if (redirect)
            {
                await connection.SendHeadersAsync(streamId, endStream: false, (":status", "302"), ("location", "/to"));
            }
            else
            {
                await connection.SendHeadersAsync(streamId, endStream: false, (":status", "200"));
            }

            for (var sent = 0; sent < BodySize;)
            {
                var n = Math.Min(chunk.Length, BodySize - sent);
                window = await WaitForConnectionCreditAsync(connection, window, n);
                window -= n;
                sent += n;
                var last = sent == BodySize;
                await connection.SendAsync(w => Http2FrameWriter.WriteData(w, streamId, chunk.AsSpan(0, n), endStream: last));
            }

            if (redirect)
            {
                // The client discards the 3xx body (complete, unread) and follows on the same connection.
                streamId += 2;
                await ExpectHeadersAsync(connection, streamId);
                await connection.SendHeadersAsync(streamId, endStream: true, (":status", "204"));
            }
            else
            {
                // A PING is a fence: once its ACK is back, the client's reader has seen END_STREAM.
                await connection.SendAsync(w => Http2FrameWriter.WritePing(w, (ulong)i));
                await connection.ExpectAsync(Http2FrameType.Ping);
            }

            using (var response = await call.WaitAsync(TimeSpan.FromSeconds(20)))
            {
                // Disposed without reading a byte of its (complete) body.
            }

            streamId += 2;
        }

        // A normal call on the same connection still receives its body.
        var normal = client.GetStringAsync(peer.Url("/small"));
        await ExpectHeadersAsync(connection!, streamId);
        await connection!.SendHeadersAsync(streamId, endStream: false, (":status", "200"));
        window = await WaitForConnectionCreditAsync(connection!, window, 5);
        await connection!.SendAsync(w => Http2FrameWriter.WriteData(w, streamId, "small"u8, endStream: true));
        (await normal.WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe("small");
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    /// <summary>Finds the HEADERS of <paramref name="streamId"/>, perhaps already read while waiting for credit.</summary>
    private static async Task ExpectHeadersAsync(Http2ServerPeer.Connection connection, int streamId)
    {
        var early = connection.Skipped.FindIndex(f => f.Header.Type == Http2FrameType.Headers && f.Header.StreamId == streamId);
        if (early >= 0)
        {
            connection.Skipped.RemoveAt(early);
            return;
        }

        await connection.ExpectAsync(Http2FrameType.Headers, streamId);
    }

    /// <summary>Returns the connection window once it holds <paramref name="wanted"/> bytes, reading the client's WINDOW_UPDATEs (10 s deadline per frame).</summary>
    private static async Task<long> WaitForConnectionCreditAsync(Http2ServerPeer.Connection connection, long window, int wanted)
    {
        // The client's preface raise and any update already read while looking for other frames count too.
        // Other frames stay in Skipped (a follow-up's HEADERS may come while we wait).
        foreach (var frame in connection.Skipped)
        {
            window += ConnectionIncrement(frame);
        }

        connection.Skipped.RemoveAll(f => ConnectionIncrement(f) > 0);
        while (window < wanted)
        {
            var frame = await connection.ReadFrameAsync() ?? throw new IOException("The client closed the connection.");
            if (ConnectionIncrement(frame) is var increment and > 0)
            {
                window += increment;
            }
            else
            {
                connection.Skipped.Add(frame);
            }
        }

        return window;
    }

    private static long ConnectionIncrement(Http2ServerPeer.Frame frame) =>
        frame.Header.Type == Http2FrameType.WindowUpdate && frame.Header.StreamId == 0
            ? BinaryPrimitives.ReadUInt32BigEndian(frame.Payload) & 0x7FFF_FFFF
            : 0;
}
