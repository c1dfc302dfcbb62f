using System.Net;
using System.Net.WebSockets;
using MockKit.Client;
using MockKit.MockServer.Tests.Http2.Support;
using MockKit.Tls;
using static MockKit.MockServer.Tests.WebSockets.WebSocketTestHandlers;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>
/// <see cref="MockWebServer.Http2EnableConnectProtocol"/> off: an HTTP/2 server without RFC 8441, against
/// the runtime's ClientWebSocket through <see cref="SocketsHttpHandler"/> and through our
/// <see cref="InstrumentedHandler"/>. ClientWebSocket itself decides on the fallback: it first sends the
/// extended CONNECT as HTTP/2 exactly, and only when that fails with
/// <see cref="HttpRequestError.ExtendedConnectNotSupported"/> and its policy is
/// <see cref="HttpVersionPolicy.RequestVersionOrLower"/> does it retry as an HTTP/1.1 upgrade (GET, 1.1
/// exactly). Both handlers raise that error before sending anything, from the server's SETTINGS alone.
/// </summary>
public sealed class WebSocketHttp2DisabledTests
{
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    [Fact]
    public async Task The_server_preface_leaves_out_enable_connect_protocol()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], Http2EnableConnectProtocol = false };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        // Absent means 0 (RFC 8441 section 3): the identifier 0x8 must not appear at all.
        var payload = peer.ServerSettings!.Payload;
        var ids = Enumerable.Range(0, payload.Length / 6).Select(i => (payload[i * 6] << 8) | payload[(i * 6) + 1]);
        ids.ShouldNotContain(8);
    }

    [Theory]
    [InlineData("SocketsHttpHandler", "extended CONNECT is not supported")]
    [InlineData("InstrumentedHandler", "did not send SETTINGS_ENABLE_CONNECT_PROTOCOL = 1")]
    public async Task Http2_exactly_fails_with_extended_connect_not_supported(string handlerName, string reason)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = TlsServerWithoutRfc8441();
        server.Enqueue(new MockResponse { WebSocketHandler = EchoAsync });
        using var handler = CreateHandler(handlerName);
        using var client = NewClient(HttpVersionPolicy.RequestVersionExact);

        var e = await Should.ThrowAsync<WebSocketException>(() => client.ConnectAsync(WebSocketUrl(server, "/ws"), new HttpMessageInvoker(handler), cts.Token));

        var cause = e.InnerException.ShouldBeOfType<HttpRequestException>();
        cause.HttpRequestError.ShouldBe(HttpRequestError.ExtendedConnectNotSupported);
        cause.Message.ShouldContain(reason);
        client.State.ShouldBe(WebSocketState.Closed);

        // The client read the missing setting from the preface and sent no CONNECT: nothing was recorded
        // and the queued response is still there.
        server.RequestCount.ShouldBe(0);
    }

    [Theory]
    [InlineData("SocketsHttpHandler", null)] // Its HTTP/1.1-only connection offers no ALPN at all.
    [InlineData("InstrumentedHandler", "http/1.1")]
    public async Task Http2_or_lower_falls_back_to_an_http11_upgrade(string handlerName, string? alpn)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = TlsServerWithoutRfc8441();
        server.Enqueue(new MockResponse { WebSocketHandler = EchoAsync });
        using var handler = CreateHandler(handlerName);
        using var client = NewClient(HttpVersionPolicy.RequestVersionOrLower);

        await client.ConnectAsync(WebSocketUrl(server, "/ws"), new HttpMessageInvoker(handler), cts.Token);
        await SendTextAsync(client, "after the fallback", cts.Token);
        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("after the fallback");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);

        client.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
        var request = await server.TakeRequestAsync(cts.Token);
        request.RequestLine.ShouldBe("GET /ws HTTP/1.1");
        request.Protocol.ShouldBe(Protocol.Http11);
        request.Handshake!.ApplicationProtocol.ShouldBe(alpn);
        request.Headers["Upgrade"].ShouldBe("websocket");
        request.Headers["Sec-WebSocket-Version"].ShouldBe("13");
        request.Failure.ShouldBeNull();

        // Connection 0 was the HTTP/2 one (ALPN h2) whose SETTINGS turned the CONNECT down before it was sent.
        request.ConnectionIndex.ShouldBe(1);
        server.RequestCount.ShouldBe(1);
        if (handler is InstrumentedHandler instrumented)
        {
            // The upgraded HTTP/1.1 connection left the pool; the HTTP/2 one stays, idle, for other requests.
            instrumented.Pool.ConnectionCount.ShouldBe(1);
        }
    }

    private static MockWebServer TlsServerWithoutRfc8441()
    {
        // Default Protocols: ALPN offers h2 and http/1.1, so an HTTP/1.1 upgrade stays possible.
        var server = new MockWebServer { Http2EnableConnectProtocol = false };
        server.UseHttps(Localhost);
        return server;
    }

    private static HttpMessageHandler CreateHandler(string name) => name == "SocketsHttpHandler"
        ? Localhost.CreateSocketsHttpHandler()
        : new InstrumentedHandler { Certificates = Localhost };

    private static ClientWebSocket NewClient(HttpVersionPolicy policy)
    {
        var client = new ClientWebSocket();
        client.Options.HttpVersion = HttpVersion.Version20;
        client.Options.HttpVersionPolicy = policy;
        return client;
    }
}
