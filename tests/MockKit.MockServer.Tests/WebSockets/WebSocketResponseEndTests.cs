using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;
using MockKit.MockServer.Tests.Support;
using MockKit.Tls;
using static MockKit.MockServer.Tests.WebSockets.WebSocketTestHandlers;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>
/// OnResponseEnd after a WebSocket, on HTTP/1.1 (the upgraded connection) and on HTTP/2 (RFC 8441:
/// the extended CONNECT's stream, over h2c and h2 over TLS): the handler sends one message and
/// returns, the server closes the WebSocket (its close frame, then END_STREAM on HTTP/2), and only
/// then the policy acts, as it does after any other response. The client sees the whole WebSocket,
/// then what the effect means for its protocol: the connection closed, a GOAWAY, a stream reset, or
/// the server gone.
/// </summary>
public sealed class WebSocketResponseEndTests
{
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    // What the handler's message and the server's close look like on the wire (server frames are
    // unmasked, RFC 6455 section 5.1): a text frame "bye", then a close frame with status 1000.
    private const string Frames = "\u0081\u0003bye\u0088\u0002\u0003\u00e8";

    private const string Upgrade =
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    public static TheoryData<string, string, string> Rows() => new()
    {
        // HTTP/1.1 gives the connection to the WebSocket, so every effect ends it.
        { nameof(SocketPolicy.DisconnectAtEnd), "http/1.1", "closed" },
        { nameof(SocketPolicy.ShutdownServerAfterResponse), "http/1.1", "server stopped" },
        { nameof(SocketPolicy.DisconnectAtEnd), "h2c", "closed" },
        { nameof(SocketPolicy.ShutdownOutputAtEnd), "h2c", "closed" },
        { nameof(SocketPolicy.ShutdownServerAfterResponse), "h2c", "server stopped" },
        { "ShutdownConnection", "h2c", "GOAWAY NoError, last stream 1" },
        { "CloseStream", "h2c", "RST_STREAM Cancel" },
        { nameof(SocketPolicy.DisconnectAtEnd), "h2", "closed" },
        { "ShutdownConnection", "h2", "GOAWAY NoError, last stream 1" },
        { "CloseStream", "h2", "RST_STREAM Cancel" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task OnResponseEnd_acts_after_the_websocket_ends(string policy, string protocol, string expected)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var server = new MockWebServer();
        await using var _ = server;
        if (protocol == "h2")
        {
            server.UseHttps(Localhost);
        }
        else if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        server.Enqueue(SendsByeAndCloses(policy));
        string observed;
        if (protocol == "http/1.1")
        {
            await using var raw = await RawConnection.OpenAsync(server);
            await raw.SendAsync(Upgrade);
            (await raw.ReadUntilAsync("\r\n\r\n")).ShouldStartWith("HTTP/1.1 101 ");
            (await raw.ReadToEndAsync()).ShouldBe(Frames);
            observed = policy == nameof(SocketPolicy.ShutdownServerAfterResponse) ? await StoppedAsync(server, cts.Token) : "closed";
        }
        else
        {
            await using var peer = await Http2TestPeer.HandshakeAsync(server, tls: protocol == "h2" ? Localhost : null);
            await peer.SendHeadersAsync(1, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", protocol == "h2" ? "https" : "http"), (":path", "/ws"), (":authority", "x"), ("sec-websocket-version", "13")], endStream: false);

            // The whole WebSocket, ended by our END_STREAM, before the effect.
            var response = await peer.ReadResponseAsync(1);
            response[":status"].ShouldBe("200");
            System.Text.Encoding.Latin1.GetString(response.Body).ShouldBe(Frames);
            observed = policy == nameof(SocketPolicy.ShutdownServerAfterResponse) ? await StoppedAsync(server, cts.Token)
                : expected == "closed" ? (await peer.IsClosedByPeerAsync() ? "closed" : "open")
                : Describe(await NextFrameAsync(peer));
        }

        observed.ShouldBe(expected, $"{policy} over {protocol}");
        (await server.TakeRequestAsync(cts.Token)).Failure.ShouldBeNull();
    }

    /// <summary>The runtime's ClientWebSocket (SocketsHttpHandler, RFC 8441 over h2c, or the HTTP/1.1 upgrade) sees the whole WebSocket, then the server stops.</summary>
    [Theory]
    [InlineData("http/1.1")]
    [InlineData("h2c")]
    public async Task ClientWebSocket_sees_the_whole_websocket_then_the_server_stops(string protocol)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var server = new MockWebServer();
        await using var _ = server;
        if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        server.Enqueue(SendsByeAndCloses(nameof(SocketPolicy.ShutdownServerAfterResponse)));
        using var handler = new SocketsHttpHandler();
        using var client = new ClientWebSocket();
        client.Options.HttpVersion = protocol == "h2c" ? HttpVersion.Version20 : HttpVersion.Version11;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await client.ConnectAsync(WebSocketUrl(server, "/ws"), new HttpMessageInvoker(handler), cts.Token);

        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("bye");
        (await ReceiveMessageAsync(client, cts.Token)).Type.ShouldBe(WebSocketMessageType.Close);
        client.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
        (await StoppedAsync(server, cts.Token)).ShouldBe("server stopped");
    }

    private static MockResponse SendsByeAndCloses(string policy)
    {
        var response = new MockResponse { WebSocketHandler = (socket, ct) => SendTextAsync(socket, "bye", ct) };
        switch (policy)
        {
            case "ShutdownConnection":
                response.OnResponseEnd = new SocketEffect.ShutdownConnection();
                break;
            case "CloseStream":
                response.OnResponseEnd = new SocketEffect.CloseStream(Http2ErrorCode.Cancel);
                break;
            case nameof(SocketPolicy.DisconnectAtEnd):
                response.SocketPolicy = SocketPolicy.DisconnectAtEnd;
                break;
            case nameof(SocketPolicy.ShutdownOutputAtEnd):
                response.SocketPolicy = SocketPolicy.ShutdownOutputAtEnd;
                break;
            case nameof(SocketPolicy.ShutdownServerAfterResponse):
                response.SocketPolicy = SocketPolicy.ShutdownServerAfterResponse;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, null);
        }

        return response;
    }

    /// <summary>The next frame that is not connection noise (SETTINGS, WINDOW_UPDATE, PING), or null at the connection's end.</summary>
    private static async Task<Http2TestPeer.ReceivedFrame?> NextFrameAsync(Http2TestPeer peer)
    {
        while (true)
        {
            var frame = await peer.ReadFrameAsync();
            if (frame is null || frame.Type is not (Http2FrameType.Settings or Http2FrameType.WindowUpdate or Http2FrameType.Ping))
            {
                return frame;
            }
        }
    }

    /// <summary>The frame after the response, as the row names it.</summary>
    private static string Describe(Http2TestPeer.ReceivedFrame? frame) => frame switch
    {
        null => "closed",
        { Type: Http2FrameType.GoAway } => $"GOAWAY {(Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4))}, last stream {BinaryPrimitives.ReadUInt32BigEndian(frame.Payload) & 0x7FFF_FFFF}",
        { Type: Http2FrameType.RstStream } => $"RST_STREAM {(Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload)}",
        _ => frame.ToString(),
    };

    /// <summary>Waits (bounded) until the server stopped on its own: nothing in the test shuts it down.</summary>
    private static async Task<string> StoppedAsync(MockWebServer server, CancellationToken ct)
    {
        while (server.IsRunning)
        {
            await Task.Delay(10, ct);
        }

        return "server stopped";
    }
}
