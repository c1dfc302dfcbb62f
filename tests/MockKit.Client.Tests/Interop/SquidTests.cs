using System.Net;
using System.Net.WebSockets;
using System.Text;
using MockKit.Client.Tests.WebSockets;
using MockKit.Tls;

namespace MockKit.Client.Tests.Interop;

public sealed class SquidTests(SquidFixture squid) : IClassFixture<SquidFixture>
{
    [Fact]
    public async Task Https_through_squid_uses_a_connect_tunnel_and_reuses_it()
    {
        using var handler = new InstrumentedHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{squid.Port}") { BypassProxyOnLocal = false },
            Certificates = HandshakeCertificates.Localhost(),
        };
        using var client = new HttpClient(handler);
        var url = $"https://localhost:{squid.Nginx.TlsPort}/";

        using var first = await client.GetAsync(url);
        (await first.Content.ReadAsStringAsync()).ShouldBe("nginx tls ok");
        using var second = await client.GetAsync(url);
        (await second.Content.ReadAsStringAsync()).ShouldBe("nginx tls ok");

        var exchange = second.GetExchange();
        exchange.Route.Proxy.ShouldBe(new Uri($"http://127.0.0.1:{squid.Port}/"));
        exchange.Route.RequiresTunnel.ShouldBeTrue();
        exchange.Handshake!.ServerName.ShouldBe("localhost");
        first.GetExchange().SequenceNumber.ShouldBe(1, "the CONNECT counts as 0 on HTTP/1.1");
        exchange.SequenceNumber.ShouldBe(2);
        exchange.ConnectionReused.ShouldBeTrue();
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Plain_http_through_squid_uses_absolute_form()
    {
        using var handler = new InstrumentedHandler { Proxy = new WebProxy($"http://127.0.0.1:{squid.Port}") { BypassProxyOnLocal = false } };
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync($"http://127.0.0.1:{squid.Nginx.Port}/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("nginx ok");
        response.Headers.Via.ShouldNotBeEmpty("squid adds Via");
    }

    [Fact]
    public async Task A_tunnel_squid_refuses_fails_with_a_tunnel_error()
    {
        using var handler = new InstrumentedHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{squid.Port}") { BypassProxyOnLocal = false },
            RetryOnConnectionFailure = false,
        };
        using var client = new HttpClient(handler);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"https://localhost:{squid.Nginx.Port}/"));

        failure.HttpRequestError.ShouldBe(HttpRequestError.ProxyTunnelError);
        failure.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_ws_websocket_through_squid_goes_in_a_tunnel_and_echoes()
    {
        var events = new RecordingEventListener();
        using var handler = new InstrumentedHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{squid.Port}") { BypassProxyOnLocal = false },
            EventListener = events,
        };
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using (var deadline = new CancellationTokenSource(WebSocketTransport.Deadline))
        {
            await socket.ConnectAsync(new Uri(squid.WebSockets.Http1Url, "/echo"), new HttpMessageInvoker(handler, disposeHandler: false), deadline.Token);
        }

        await WebSocketTransport.SendTextAsync(socket, "hello through squid");
        var echoed = await WebSocketTransport.ReceiveMessageAsync(socket);
        Encoding.UTF8.GetString(echoed.Data).ShouldBe("hello through squid");

        socket.HttpStatusCode.ShouldBe(HttpStatusCode.SwitchingProtocols);
        // squid adds Via to what it relays as an HTTP proxy; bytes in a tunnel it leaves alone.
        socket.HttpResponseHeaders!.ContainsKey("Via").ShouldBeFalse("the 101 came from Kestrel through the tunnel, not relayed by squid");
        events.Events.Single(e => e.Name == "ConnectStart").Detail.ShouldEndWith(" tunnel");

        // The same handler's plain request to the same origin still goes to squid in absolute form.
        using var client = new HttpClient(handler, disposeHandler: false);
        using var plain = await client.GetAsync(new UriBuilder(squid.WebSockets.Http1Url) { Scheme = "http", Path = "/hello" }.Uri);
        (await plain.Content.ReadAsStringAsync()).ShouldBe("hello HTTP/1.1");
        plain.Headers.Via.ShouldNotBeEmpty("squid relayed it");
        plain.GetExchange().Route.RequiresTunnel.ShouldBeFalse();

        using (var deadline = new CancellationTokenSource(WebSocketTransport.Deadline))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        }

        socket.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
    }
}
