using System.Net;
using System.Net.WebSockets;
using MockKit.MockServer.Tests.Http2.Support;
using static MockKit.MockServer.Tests.WebSockets.WebSocketTestHandlers;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>RFC 8441: WebSockets over HTTP/2 extended CONNECT, against the runtime's ClientWebSocket (h2c) and a frame-level peer.</summary>
public sealed class WebSocketHttp2Tests
{
    [Fact]
    public async Task ClientWebSocket_over_http2_extended_connect_echoes_and_closes()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse { Headers = { { "Sec-WebSocket-Protocol", "chat" } }, WebSocketHandler = EchoAsync });
        using var handler = new SocketsHttpHandler();
        using var client = new ClientWebSocket();
        client.Options.HttpVersion = HttpVersion.Version20;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        client.Options.AddSubProtocol("chat");
        client.Options.CollectHttpResponseDetails = true;

        await client.ConnectAsync(WebSocketUrl(server, "/h2ws"), new HttpMessageInvoker(handler), cts.Token);
        await SendTextAsync(client, "over h2", cts.Token);
        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("over h2");
        await client.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, false, cts.Token);
        await client.SendAsync(new byte[] { 4 }, WebSocketMessageType.Binary, true, cts.Token);
        (await ReceiveMessageAsync(client, cts.Token)).Payload.ShouldBe(new byte[] { 1, 2, 3, 4 });
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "h2 done", cts.Token);

        client.HttpStatusCode.ShouldBe(HttpStatusCode.OK);
        client.SubProtocol.ShouldBe("chat");
        client.CloseStatusDescription.ShouldBe("h2 done");
        var request = await server.TakeRequestAsync(cts.Token);
        request.Method.ShouldBe("CONNECT");
        request.Protocol.ShouldBe(Protocol.H2PriorKnowledge);
        request.Target.ShouldBe("/h2ws");
        request.Url.ShouldBe(server.Url("/h2ws"));
        request.Headers["sec-websocket-version"].ShouldBe("13");
        request.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task OnResponseBody_resets_the_stream_inside_a_frame()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse
        {
            OnResponseBody = new SocketEffect.CloseStream(MockKit.Http2ErrorCode.Cancel),
            OnResponseBodyAfterBytes = 4,
            WebSocketHandler = (socket, ct) => SendTextAsync(socket, "hello world", ct),
        });
        using var handler = new SocketsHttpHandler();
        using var client = await ConnectH2Async(server, handler, cts.Token);

        // Four bytes of the frame arrive as DATA, then RST_STREAM(CANCEL): the message never completes.
        await Should.ThrowAsync<WebSocketException>(() => ReceiveMessageAsync(client, cts.Token));
        (await server.TakeRequestAsync(cts.Token)).Failure.ShouldBeNull();
    }

    [Fact]
    public async Task The_server_preface_advertises_enable_connect_protocol()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        // SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8) = 1, RFC 8441 section 3.
        var payload = peer.ServerSettings!.Payload;
        var entries = Enumerable.Range(0, payload.Length / 6)
            .Select(i => ((payload[i * 6] << 8) | payload[(i * 6) + 1], (payload[(i * 6) + 2] << 24) | (payload[(i * 6) + 3] << 16) | (payload[(i * 6) + 4] << 8) | payload[(i * 6) + 5]));
        entries.ShouldContain((8, 1));
    }

    [Fact]
    public async Task A_bad_version_on_extended_connect_gets_426_and_is_recorded()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        server.Enqueue(new MockResponse { WebSocketHandler = EchoAsync });
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendHeadersAsync(1, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"), (":path", "/ws"), (":authority", "x"), ("sec-websocket-version", "8")], endStream: false);
        var response = await peer.ReadResponseAsync(1);

        response[":status"].ShouldBe("426");
        response["sec-websocket-version"].ShouldBe("13");
        server.TakeRequest().Failure!.Message.ShouldBe("Sec-WebSocket-Version '8' is not supported; the server speaks version 13 (RFC 6455 section 4.4).");
    }

    [Theory]
    [InlineData(true, "GET", "Malformed request (RFC 9113 section 8.1.1): :protocol on a GET request (RFC 8441 section 4: only an extended CONNECT carries it).")]
    [InlineData(false, "CONNECT", "Malformed request (RFC 9113 section 8.1.1): :protocol, but the server did not send SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 section 3).")]
    public async Task Protocol_pseudo_header_where_not_allowed_is_a_malformed_request(bool enabled, string method, string message)
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], Http2EnableConnectProtocol = enabled };
        server.Enqueue(new MockResponse("for the next one"));
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendHeadersAsync(1, [(":method", method), (":protocol", "websocket"), (":scheme", "http"), (":path", "/ws"), (":authority", "x")], endStream: true);

        await peer.VerifyResetAsync(1, Http2ErrorCode.ProtocolError);
        server.TakeRequest().Failure!.Message.ShouldBe($"HTTP/2 stream 1 error (ProtocolError): {message}");
    }

    private static async Task<ClientWebSocket> ConnectH2Async(MockWebServer server, SocketsHttpHandler handler, CancellationToken ct)
    {
        var client = new ClientWebSocket();
        client.Options.HttpVersion = HttpVersion.Version20;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await client.ConnectAsync(WebSocketUrl(server, "/h2"), new HttpMessageInvoker(handler), ct);
        return client;
    }
}
