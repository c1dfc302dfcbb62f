using System.Buffers.Binary;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// RFC 9113 section 5.1: a frame other than HEADERS or PRIORITY on an idle stream is a connection
/// error PROTOCOL_ERROR. The client refuses push, so every even stream id is idle to it, below its
/// own last stream id too.
/// </summary>
public sealed class Http2IdleStreamTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("RST_STREAM")]
    [InlineData("WINDOW_UPDATE")]
    public async Task A_frame_on_an_even_stream_the_server_never_promised_ends_the_connection_with_protocol_error(string frame)
    {
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] };
        using var client = new HttpClient(handler);
        var first = client.GetAsync(peer.Url("/1"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);
        await connection.SendHeadersAsync(1, endStream: true, (":status", "204"));
        (await first.WaitAsync(Deadline)).Dispose();

        // Stream 3 is open, so stream 2 lies below the client's last stream id: still idle.
        using var stop = new CancellationTokenSource();
        var second = client.GetAsync(peer.Url("/2"), stop.Token);
        await connection.ExpectAsync(Http2FrameType.Headers, 3);
        await connection.SendAsync(w =>
        {
            if (frame == "RST_STREAM")
            {
                Http2FrameWriter.WriteRstStream(w, 2, Http2ErrorCode.Cancel);
            }
            else
            {
                Http2FrameWriter.WriteWindowUpdate(w, 2, 1);
            }
        });

        var goAway = await connection.ExpectAsync(Http2FrameType.GoAway);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4))).ShouldBe(Http2ErrorCode.ProtocolError);
        await Support.Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.NoNewExchanges), "the connection is no longer handed out", Deadline);

        // The call was not processed, so the client may retry it on a new connection this peer never
        // answers: end it either way.
        await stop.CancelAsync();
        await Should.ThrowAsync<Exception>(() => second.WaitAsync(Deadline));
    }
}
