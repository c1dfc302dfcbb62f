using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;
using static MockKit.Client.Tests.WebSockets.WebSocketTransport;

namespace MockKit.Client.Tests.WebSockets;

/// <summary>
/// A <c>ws://</c> WebSocket through an HTTP proxy goes in a CONNECT tunnel (RFC 6455 section 4.1: a
/// client configured to use a proxy SHOULD ask it for a tunnel), because a forward proxy does not
/// relay the hop-by-hop Upgrade of an absolute-form request. MockWebServer plays proxy and origin on
/// one port and records both the CONNECT and the opening handshake that follows it on the same
/// connection; plain http requests through the same proxy keep absolute form.
/// </summary>
public sealed class WebSocketProxyTests
{
    private const string Secret = "Basic cHJveHk6c2VjcmV0";

    [Fact]
    public async Task A_ws_websocket_through_a_proxy_opens_a_tunnel_then_upgrades_in_origin_form()
    {
        var events = new RecordingEventListener();
        var received = new ConcurrentQueue<string>();
        await using var h = await ClientHarness.StartAsync();
        using var handler = new InstrumentedHandler { Proxy = h.Server.ToProxy(), EventListener = events };
        h.Server.Enqueue(new MockResponse()); // 200 to the CONNECT: the tunnel is open.
        h.Server.Enqueue(new MockResponse { WebSocketHandler = (socket, ct) => GreetThenEchoAsync(socket, received, ct) });

        using var socket = new ClientWebSocket();
        // Proxy-Authorization is the proxy's (RFC 9110 section 11.7.2): inside the tunnel it would reach the origin.
        socket.Options.SetRequestHeader("Proxy-Authorization", Secret);
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.ConnectAsync(new Uri("ws://origin.test/chat?room=1"), new HttpMessageInvoker(handler, disposeHandler: false), deadline.Token);
        }

        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("welcome");
        await SendTextAsync(socket, "hello through the tunnel");
        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("hello through the tunnel");
        received.ShouldBe(["hello through the tunnel"]);

        var connect = h.Server.TakeRequest();
        connect.RequestLine.ShouldBe("CONNECT origin.test:80 HTTP/1.1");
        connect.SequenceNumber.ShouldBe(0);
        var upgrade = h.Server.TakeRequest();
        upgrade.RequestLine.ShouldBe("GET /chat?room=1 HTTP/1.1", "origin form inside the tunnel (RFC 9112 section 3.2.1)");
        (upgrade.ConnectionIndex, upgrade.SequenceNumber).ShouldBe((connect.ConnectionIndex, 1));
        upgrade.Headers["Host"].ShouldBe("origin.test");
        upgrade.Headers["Upgrade"].ShouldBe("websocket");
        upgrade.Headers["Proxy-Authorization"].ShouldBeNull();

        // The CONNECT is connection setup (as for https): one request head for the call, the handshake's.
        var connectStart = events.Events.Single(e => e.Name == "ConnectStart");
        connectStart.Detail.ShouldBe($"http://origin.test:80 via proxy {h.Server.ProxyAddress} (127.0.0.1:{h.Server.Port}) tunnel");
        events.EventNames.ShouldNotContain("CallEnd", "the WebSocket is still the call's response");
        handler.Pool.ConnectionCount.ShouldBe(0, "the upgraded tunnel left the pool");
        handler.Pool.UpgradedConnectionCount.ShouldBe(1);

        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        }

        socket.Dispose();
        await Eventually.WaitUntilAsync(() => events.EventNames.Contains("CallEnd"), "the call ended");
        events.EventNames.ShouldBe(
        [
            "CallStart", "ProxySelectStart", "ProxySelectEnd", "ConnectStart", "ConnectEnd", "ConnectionAcquired",
            "RequestHeadersStart", "RequestHeadersEnd", "ResponseHeadersStart", "ResponseHeadersEnd", "FollowUpDecision",
            "ResponseBodyStart", "ResponseBodyEnd", "ConnectionReleased", "CallEnd",
        ]);
        handler.Pool.UpgradedConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task A_407_to_the_tunnel_is_answered_from_the_proxy_credentials_and_the_credentials_stay_outside()
    {
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy(h.Server.ProxyAddress) { BypassProxyOnLocal = false, Credentials = new NetworkCredential("user", "pass") };
        using var handler = new InstrumentedHandler { Proxy = proxy };
        h.Server.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        h.Server.Enqueue(new MockResponse());
        h.Server.Enqueue(new MockResponse { WebSocketHandler = (socket, ct) => GreetThenEchoAsync(socket, new ConcurrentQueue<string>(), ct) });

        using var socket = new ClientWebSocket();
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.ConnectAsync(new Uri("ws://origin.test:8080/"), new HttpMessageInvoker(handler, disposeHandler: false), deadline.Token);
        }

        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("welcome");
        var challenged = h.Server.TakeRequest();
        challenged.RequestLine.ShouldBe("CONNECT origin.test:8080 HTTP/1.1");
        challenged.Headers["Proxy-Authorization"].ShouldBeNull();
        var answered = h.Server.TakeRequest();
        (answered.Method, answered.SequenceNumber, answered.Headers["Proxy-Authorization"]).ShouldBe(("CONNECT", 1, "Basic dXNlcjpwYXNz"));
        var upgrade = h.Server.TakeRequest();
        (upgrade.RequestLine, upgrade.SequenceNumber, upgrade.ConnectionIndex).ShouldBe(("GET / HTTP/1.1", 2, answered.ConnectionIndex));
        upgrade.Headers["Proxy-Authorization"].ShouldBeNull();
        socket.Abort();
    }

    [Theory]
    [InlineData(403)]
    [InlineData(407)] // A challenge with no credentials to answer it.
    public async Task A_proxy_that_refuses_the_tunnel_fails_the_handshake_with_a_tunnel_error(int status)
    {
        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync();
        using var handler = new InstrumentedHandler { Proxy = h.Server.ToProxy(), EventListener = events };
        var refusal = new MockResponse(status);
        if (status == 407)
        {
            refusal.Headers.Add("Proxy-Authenticate", "Basic realm=\"mock\"");
        }

        h.Server.Enqueue(refusal);

        using var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(Deadline);
        var failure = await Catch.ExceptionAsync<WebSocketException>(
            socket.ConnectAsync(new Uri("ws://origin.test/chat"), new HttpMessageInvoker(handler, disposeHandler: false), deadline.Token));

        var refused = failure.InnerException.ShouldBeOfType<HttpRequestException>();
        refused.HttpRequestError.ShouldBe(HttpRequestError.ProxyTunnelError);
        refused.StatusCode.ShouldBe((HttpStatusCode)status);
        refused.Message.ShouldBe($"The proxy {h.Server.ProxyAddress} refused the tunnel to http://origin.test:80 with status {status}.");
        h.Server.TakeRequest().RequestLine.ShouldBe("CONNECT origin.test:80 HTTP/1.1");
        h.Server.RequestCount.ShouldBe(1, "no handshake was sent to the proxy instead");
        events.EventNames.ShouldContain("ConnectFailed");
        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task Plain_requests_keep_absolute_form_and_a_tunnel_has_its_own_pool_entry()
    {
        await using var h = await ClientHarness.StartAsync();
        using var handler = new InstrumentedHandler { Proxy = h.Server.ToProxy() };
        using var client = new HttpClient(handler, disposeHandler: false);
        h.Server.Enqueue(new MockResponse("plain"));
        h.Server.Enqueue(new MockResponse()); // The CONNECT.
        h.Server.Enqueue(new MockResponse("not upgraded")); // The origin declines the upgrade: the tunnel stays an HTTP connection.
        h.Server.Enqueue(new MockResponse("plain again"));

        (await client.GetStringAsync("http://origin.test/plain")).ShouldBe("plain");
        using var upgradeRequest = new HttpRequestMessage(HttpMethod.Get, "http://origin.test/upgrade")
        {
            Headers = { { "Upgrade", "websocket" }, { "Connection", "Upgrade" } },
        };
        using var declined = await client.SendAsync(upgradeRequest);
        (await declined.Content.ReadAsStringAsync()).ShouldBe("not upgraded");
        using var again = await client.GetAsync("http://origin.test/plain");
        (await again.Content.ReadAsStringAsync()).ShouldBe("plain again");

        var first = h.Server.TakeRequest();
        first.RequestLine.ShouldBe("GET http://origin.test/plain HTTP/1.1");
        var connect = h.Server.TakeRequest();
        connect.RequestLine.ShouldBe("CONNECT origin.test:80 HTTP/1.1");
        connect.ConnectionIndex.ShouldNotBe(first.ConnectionIndex, "an absolute-form connection is never a tunnel");
        h.Server.TakeRequest().RequestLine.ShouldBe("GET /upgrade HTTP/1.1");
        var third = h.Server.TakeRequest();
        (third.RequestLine, third.ConnectionIndex).ShouldBe(("GET http://origin.test/plain HTTP/1.1", first.ConnectionIndex));

        var tunnel = declined.GetExchange();
        (tunnel.Route.Tunnel, tunnel.Route.RequiresTunnel, tunnel.SequenceNumber).ShouldBe((true, true, 1));
        tunnel.Route.ToString().ShouldEndWith(" tunnel");
        var plain = again.GetExchange();
        (plain.Route.Tunnel, plain.Route.RequiresTunnel, plain.ConnectionReused).ShouldBe((false, false, true));
        plain.Route.ShouldNotBe(tunnel.Route);
        handler.Pool.Connections.Select(c => (c.Route.Tunnel, c.CompletedExchanges)).OrderBy(c => c.Tunnel).ShouldBe([(false, 2), (true, 1)]);
    }

    [Fact]
    public async Task A_bypassed_destination_upgrades_directly()
    {
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy("http://127.0.0.1:9") { BypassList = ["127\\.0\\.0\\.1"] };
        using var handler = new InstrumentedHandler { Proxy = proxy };
        h.Server.Enqueue(new MockResponse { WebSocketHandler = (socket, ct) => GreetThenEchoAsync(socket, new ConcurrentQueue<string>(), ct) });

        using var socket = new ClientWebSocket();
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{h.Server.Port}/direct"), new HttpMessageInvoker(handler, disposeHandler: false), deadline.Token);
        }

        Encoding.UTF8.GetString((await ReceiveMessageAsync(socket)).Data).ShouldBe("welcome");
        h.Server.TakeRequest().RequestLine.ShouldBe("GET /direct HTTP/1.1");
        socket.Abort();
    }

    /// <summary>Sends "welcome" (so the server speaks first), then echoes each whole message, recording it, until the client closes.</summary>
    private static async Task GreetThenEchoAsync(WebSocket socket, ConcurrentQueue<string> received, CancellationToken ct)
    {
        await socket.SendAsync("welcome"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, ct);
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                return;
            }

            // A receive may return part of a message: echo only whole ones.
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                received.Enqueue(Encoding.UTF8.GetString(message.ToArray()));
                await socket.SendAsync(message.ToArray(), result.MessageType, endOfMessage: true, ct);
                message.SetLength(0);
            }
        }
    }
}
