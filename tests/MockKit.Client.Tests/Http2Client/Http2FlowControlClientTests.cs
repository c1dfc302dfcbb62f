using System.Buffers.Binary;
using MockKit.Client.Connections;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Flow control both ways, seen from a frame-level server peer.</summary>
public sealed class Http2FlowControlClientTests
{
    [Fact]
    public async Task A_large_upload_waits_for_window_updates()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var upload = new byte[5000];
        Random.Shared.NextBytes(upload);
        var call = client.PostAsync(peer.Url("/upload"), new ByteArrayContent(upload));
        var connection = await peer.AcceptAsync(new Http2Setting(Http2SettingId.InitialWindowSize, 1000));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);

        var received = new List<byte>();
        while (received.Count < 1000)
        {
            received.AddRange((await connection.ExpectAsync(Http2FrameType.Data, streamId: 1)).Payload);
        }

        // A PING is a fence: any DATA sent beyond the window would arrive before its ACK.
        await connection.SendAsync(w => Http2FrameWriter.WritePing(w, 42));
        await connection.ExpectAsync(Http2FrameType.Ping);
        received.Count.ShouldBe(1000);

        await connection.SendAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 4000));
        while (true)
        {
            var data = await connection.ExpectAsync(Http2FrameType.Data, streamId: 1);
            received.AddRange(data.Payload);
            if (data.Header.HasFlag(Http2FrameFlags.EndStream))
            {
                break;
            }
        }

        received.ToArray().ShouldBe(upload);
        await connection.SendHeadersAsync(1, endStream: true, (":status", "204"));
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(10));
        ((int)response.StatusCode).ShouldBe(204);
    }

    [Fact]
    public async Task An_unread_body_stops_only_its_own_stream_and_credit_follows_consumption()
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var slowCall = client.GetAsync(peer.Url("/big"), HttpCompletionOption.ResponseHeadersRead);
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 1);
        await connection.SendHeadersAsync(1, endStream: false, (":status", "200"));
        const int Size = 600 * 1024; // More than half the stream window, less than all of it.
        var chunk = new byte[Http2Constants.DefaultMaxFrameSize];
        for (var sent = 0; sent < Size; sent += chunk.Length)
        {
            var n = Math.Min(chunk.Length, Size - sent);
            await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, chunk.AsSpan(0, n), endStream: false));
        }

        using var slow = await slowCall.WaitAsync(TimeSpan.FromSeconds(10));

        // Another stream on the same connection is not held up by the unread one.
        var fastCall = client.GetStringAsync(peer.Url("/small"));
        await connection.ExpectAsync(Http2FrameType.Headers, streamId: 3);
        await connection.SendHeadersAsync(3, endStream: false, (":status", "200"));
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 3, "small"u8, endStream: true));
        (await fastCall.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("small");

        // Nothing was consumed, so nothing was acknowledged for stream 1 (a PING fences the check).
        await connection.SendAsync(w => Http2FrameWriter.WritePing(w, 7));
        await connection.ExpectAsync(Http2FrameType.Ping);
        connection.Skipped.ShouldNotContain(f => f.Header.Type == Http2FrameType.WindowUpdate && f.Header.StreamId == 1);

        // Consuming the body returns the credit (batched: once half the window is owed).
        await using var body = await slow.Content.ReadAsStreamAsync();
        var buffer = new byte[8192];
        for (var read = 0; read < Size;)
        {
            read += await body.ReadAsync(buffer);
        }

        var update = await connection.ExpectAsync(Http2FrameType.WindowUpdate, streamId: 1);
        var increment = (int)BinaryPrimitives.ReadUInt32BigEndian(update.Payload);
        increment.ShouldBeInRange(Http2Connection.StreamWindowSize / 2, Size);
        await connection.SendAsync(w => Http2FrameWriter.WriteData(w, 1, "end"u8, endStream: true));
        (await body.ReadAsync(buffer)).ShouldBe(3);
        (await body.ReadAsync(buffer)).ShouldBe(0);
        handler.Pool.Connections.ShouldHaveSingleItem().ActiveStreams.ShouldBe(0);
    }
}
