using System.Text;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// A duplex handler that throws part way cuts its response short, so the client cannot take the
/// bytes it got for the whole body: HTTP/1.1 sends no last chunk and closes the connection (RFC 9112
/// section 8), HTTP/2 resets the stream with INTERNAL_ERROR and goes on serving the connection (RFC
/// 9113 section 8.1).
/// </summary>
public sealed class DuplexHandlerFailureTests
{
    [Fact]
    public async Task Http1_response_ends_without_a_last_chunk_and_the_connection_closes()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { DuplexHandler = WritePartThenFailAsync });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("POST /duplex HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldBe("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n");
    }

    [Fact]
    public async Task Http2_stream_is_reset_with_internal_error_and_the_connection_serves_on()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse { DuplexHandler = WritePartThenFailAsync });
        server.Enqueue(new MockResponse("next"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/duplex", "POST", endStream: true);

        await peer.ExpectFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, streamId: 1);
        var data = await peer.ExpectFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, streamId: 1);
        Encoding.ASCII.GetString(data.Payload).ShouldBe("partial");
        await peer.VerifyResetAsync(1, Http2ErrorCode.InternalError);

        await peer.SendRequestAsync(3, "/next");
        (await peer.ReadResponseAsync(3)).BodyText.ShouldBe("next");
    }

    private static async Task WritePartThenFailAsync(Stream request, Stream response, CancellationToken ct)
    {
        await response.WriteAsync("partial"u8.ToArray(), ct);
        await response.FlushAsync(ct);
        throw new InvalidOperationException("The handler failed part way.");
    }
}
