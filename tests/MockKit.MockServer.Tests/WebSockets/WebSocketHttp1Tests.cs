using System.Net;
using System.Net.WebSockets;
using System.Text;
using static MockKit.MockServer.Tests.WebSockets.WebSocketTestHandlers;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>The runtime's <see cref="ClientWebSocket"/> against <see cref="MockResponse.WebSocketHandler"/> over an HTTP/1.1 upgrade.</summary>
public sealed class WebSocketHttp1Tests
{
    [Fact]
    public async Task Echoes_text_and_binary_messages_and_records_the_upgrade_request()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { WebSocketHandler = EchoAsync });
        using var client = new ClientWebSocket();

        await client.ConnectAsync(WebSocketUrl(server, "/chat?room=1"), cts.Token);
        await SendTextAsync(client, "hello", cts.Token);
        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("hello");
        await client.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, cts.Token);
        var (type, payload) = await ReceiveMessageAsync(client, cts.Token);
        type.ShouldBe(WebSocketMessageType.Binary);
        payload.ShouldBe(new byte[] { 0, 1, 2, 255 });
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);

        client.State.ShouldBe(WebSocketState.Closed);
        client.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
        client.CloseStatusDescription.ShouldBe("done");
        var request = await server.TakeRequestAsync(cts.Token);
        request.Method.ShouldBe("GET");
        request.Target.ShouldBe("/chat?room=1");
        request.Protocol.ShouldBe(Protocol.Http11);
        request.Headers["Upgrade"].ShouldBe("websocket");
        request.Headers["Sec-WebSocket-Version"].ShouldBe("13");
        request.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task Fragmented_messages_are_reassembled_both_ways()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            WebSocketHandler = async (socket, ct) =>
            {
                var text = await ReceiveTextAsync(socket, ct);

                // Answered in three fragments: a text frame and two continuations (RFC 6455 section 5.4).
                var reply = Encoding.UTF8.GetBytes("got " + text);
                await socket.SendAsync(reply.AsMemory(0, 2), WebSocketMessageType.Text, false, ct);
                await socket.SendAsync(reply.AsMemory(2, 3), WebSocketMessageType.Text, false, ct);
                await socket.SendAsync(reply.AsMemory(5), WebSocketMessageType.Text, true, ct);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            },
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);

        await client.SendAsync("frag"u8.ToArray(), WebSocketMessageType.Text, false, cts.Token);
        await client.SendAsync("mented"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);

        var buffer = new byte[64];
        var first = await client.ReceiveAsync(buffer, cts.Token);
        first.EndOfMessage.ShouldBeFalse(); // The client sees the server's fragments as sent.
        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("t fragmented");
        Encoding.UTF8.GetString(buffer, 0, first.Count).ShouldBe("go");
    }

    [Fact]
    public async Task Server_initiated_close_reaches_the_client_with_status_and_description()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            WebSocketHandler = (socket, ct) => socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "go away", ct),
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);

        var result = await client.ReceiveAsync(new byte[16], cts.Token);

        result.MessageType.ShouldBe(WebSocketMessageType.Close);
        client.CloseStatus.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        client.CloseStatusDescription.ShouldBe("go away");
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
    }

    [Fact]
    public async Task A_handler_that_returns_with_the_socket_open_closes_it_normally()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { WebSocketHandler = (socket, ct) => SendTextAsync(socket, "only this", ct) });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);

        (await ReceiveTextAsync(client, cts.Token)).ShouldBe("only this");
        var (type, _) = await ReceiveMessageAsync(client, cts.Token);

        type.ShouldBe(WebSocketMessageType.Close);
        client.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task Negotiates_the_scripted_subprotocol_among_the_offered_ones()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        string? serverSide = null;
        server.Enqueue(new MockResponse
        {
            Headers = { { "Sec-WebSocket-Protocol", "chat.v2" } },
            WebSocketHandler = (socket, ct) =>
            {
                serverSide = socket.SubProtocol;
                return socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            },
        });
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("chat.v1");
        client.Options.AddSubProtocol("chat.v2");

        await client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token);
        await ReceiveMessageAsync(client, cts.Token);

        client.SubProtocol.ShouldBe("chat.v2");
        serverSide.ShouldBe("chat.v2");
    }

    [Fact]
    public async Task A_scripted_subprotocol_the_client_did_not_offer_is_refused_and_recorded()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { Headers = { { "Sec-WebSocket-Protocol", "mqtt" } }, WebSocketHandler = EchoAsync });
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("chat.v1");

        await Should.ThrowAsync<WebSocketException>(() => client.ConnectAsync(WebSocketUrl(server, "/"), cts.Token));

        var request = await server.TakeRequestAsync(cts.Token);
        request.Failure.ShouldBeAssignableTo<ProtocolViolationException>()!
            .Message.ShouldBe("The scripted response selects subprotocol 'mqtt', which the client did not offer (offered: chat.v1; RFC 6455 section 4.2.2).");
    }

    [Fact]
    public async Task The_upgraded_connection_is_not_reused_for_http()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { WebSocketHandler = (socket, ct) => socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct) });
        server.Enqueue(new MockResponse("plain"));
        using var client = new ClientWebSocket();
        await client.ConnectAsync(WebSocketUrl(server, "/ws"), cts.Token);
        await ReceiveMessageAsync(client, cts.Token);
        using var http = new HttpClient();

        (await http.GetStringAsync(server.Url("/after"), cts.Token)).ShouldBe("plain");

        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(0);
        (await server.TakeRequestAsync(cts.Token)).ConnectionIndex.ShouldBe(1);
    }
}
