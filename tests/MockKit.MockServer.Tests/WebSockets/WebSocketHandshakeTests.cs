using System.Net;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>Bad opening handshakes (RFC 6455 section 4.2.1) are answered 400 or 426 and recorded with their failure.</summary>
public sealed class WebSocketHandshakeTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    public static TheoryData<string, int, string> Cases => new()
    {
        {
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400, "The request has no Sec-WebSocket-Key header field (RFC 6455 section 4.2.1 item 5)."
        },
        {
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400, "Sec-WebSocket-Key 'c2hvcnQ=' is not the base64 encoding of 16 bytes (RFC 6455 section 4.2.1 item 5)."
        },
        {
            $"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 8\r\n\r\n",
            426, "Sec-WebSocket-Version '8' is not supported; the server speaks version 13 (RFC 6455 section 4.4)."
        },
        {
            $"POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
            400, "A WebSocket opening handshake must be a GET (RFC 6455 section 4.2.1), not POST."
        },
        {
            $"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400, "The request has no 'Upgrade: websocket' header field (RFC 6455 section 4.2.1 item 3)."
        },
        {
            $"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400, "The request's Connection header field does not include 'Upgrade' (RFC 6455 section 4.2.1 item 4)."
        },
        {
            // TryFromBase64String skips whitespace: the key must be checked character by character.
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNh bXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400, "Sec-WebSocket-Key 'dGhlIHNh bXBsZSBub25jZQ==' is not the base64 encoding of 16 bytes (RFC 6455 section 4.2.1 item 5)."
        },
        {
            "GET /ws HTTP/1.0\r\nHost: x\r\n\r\n",
            400, "A WebSocket opening handshake needs HTTP/1.1 or later (RFC 6455 section 4.2.1)."
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_handshake_is_refused_and_recorded_with_its_failure(string input, int status, string message)
    {
        await using var server = new MockWebServer();
        var ran = false;
        server.Enqueue(new MockResponse { WebSocketHandler = (_, _) => { ran = true; return Task.CompletedTask; } });
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(input);

        var response = await raw.ReadToEndAsync();

        response.ShouldStartWith($"HTTP/1.1 {status} ");
        response.ShouldEndWith(message + "\n");
        if (status == 426)
        {
            response.ShouldContain("Sec-WebSocket-Version: 13\r\n"); // Section 4.4: the version the server speaks.
        }

        ran.ShouldBeFalse();
        var recorded = server.TakeRequest();
        recorded.Target.ShouldBe("/ws");
        recorded.Failure.ShouldBeOfType<MockKit.MockServer.WebSockets.WebSocketHandshakeException>().Message.ShouldBe(message);
        recorded.Failure.ShouldBeAssignableTo<ProtocolViolationException>();
    }

    [Fact]
    public async Task An_upgrade_without_host_is_refused_and_never_runs_the_handler()
    {
        await using var server = new MockWebServer();
        var ran = false;
        server.Enqueue(new MockResponse { WebSocketHandler = (_, _) => { ran = true; return Task.CompletedTask; } });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync($"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 400 ");
        ran.ShouldBeFalse();
        server.TakeRequest().Failure.ShouldBeAssignableTo<ProtocolViolationException>()!.Message.ShouldContain("Host header field");
    }

    [Theory]
    [InlineData("Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Key: " + Key + "|Sec-WebSocket-Version: 13")]
    [InlineData("Host: a|Host: b|Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Key: " + Key + "|Sec-WebSocket-Version: 13")]
    public void The_handshake_itself_requires_exactly_one_host(string fields)
    {
        var request = fields.Split('|').Select(f => f.Split(": ")).Select(p => new KeyValuePair<string, string>(p[0], p[1])).ToList();

        var e = Should.Throw<MockKit.MockServer.WebSockets.WebSocketHandshakeException>(
            () => MockKit.MockServer.WebSockets.WebSocketHandshake.ValidateUpgrade("GET", Protocol.Http11, request, new MockResponse()));

        e.StatusCode.ShouldBe(400);
        e.Message.ShouldBe("The request has no Host header field, or more than one (RFC 6455 section 4.2.1 item 2).");
    }

    [Fact]
    public async Task A_good_handshake_gets_101_with_the_rfc_accept_value()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { Headers = { { "X-Extra", "1" } }, WebSocketHandler = (_, _) => Task.CompletedTask });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync($"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n\r\n");

        // The sample key and accept value of RFC 6455 section 1.3.
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Extra: 1\r\n\r\n");

        // The handler returned with the socket open: a close frame 1000 (0x88, length 2, 0x03E8), then the end.
        (await raw.ReadToEndAsync()).ShouldBe("\u0088\u0002\u0003\u00e8");
    }
}
