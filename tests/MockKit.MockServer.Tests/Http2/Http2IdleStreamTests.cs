using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// RFC 9113 section 5.1: a frame other than HEADERS or PRIORITY on an idle stream is a connection
/// error PROTOCOL_ERROR, for the server's own (even) ids as for the client's: an even id the server
/// never promised is idle.
/// </summary>
public sealed class Http2IdleStreamTests
{
    [Theory]
    [InlineData("RST_STREAM")]
    [InlineData("WINDOW_UPDATE")]
    public async Task A_frame_on_an_even_stream_never_promised_ends_the_connection_with_protocol_error(string frame)
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse("ok"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);
        await peer.SendRequestAsync(1);
        (await peer.ReadResponseAsync(1)).Status.ShouldBe("200");

        if (frame == "RST_STREAM")
        {
            await peer.SendResetAsync(2, Http2ErrorCode.Cancel);
        }
        else
        {
            await peer.SendFrameAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 2, 1));
        }

        await peer.VerifyGoAwayAsync(1, Http2ErrorCode.ProtocolError);
    }
}
