using System.Net;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Proxy;

public sealed class ProxyTests
{
    [Fact]
    public async Task Absolute_form_requests_are_served_and_recorded_with_their_full_url()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("proxied"));
        using var handler = new SocketsHttpHandler { Proxy = server.ToProxy(), UseProxy = true };
        using var client = new HttpClient(handler);

        (await client.GetStringAsync("http://example.test/a?b=c")).ShouldBe("proxied");

        var request = server.TakeRequest();
        request.RequestLine.ShouldBe("GET http://example.test/a?b=c HTTP/1.1");
        request.Target.ShouldBe("http://example.test/a?b=c");
        request.Url.ShouldBe(new Uri("http://example.test/a?b=c"));
        request.Path.ShouldBe("/a?b=c");
        server.ProxyAddress.ShouldBe(new Uri($"http://127.0.0.1:{server.Port}"));
    }

    [Fact]
    public async Task Connect_is_recorded_and_a_kept_open_tunnel_carries_the_next_request()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(200) { Reason = "Connection established" });
        server.Enqueue(new MockResponse("through the tunnel"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldBe("HTTP/1.1 200 Connection established\r\n\r\n");
        await raw.SendAsync("GET /inside HTTP/1.1\r\nHost: example.test\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("through the tunnel");

        var connect = server.TakeRequest();
        connect.Method.ShouldBe("CONNECT");
        connect.Target.ShouldBe("example.test:443");
        connect.Url.ShouldBeNull();
        connect.Path.ShouldBeNull();
        connect.SequenceNumber.ShouldBe(0);
        var inside = server.TakeRequest();
        inside.Path.ShouldBe("/inside");
        inside.SequenceNumber.ShouldBe(1);
        inside.ConnectionIndex.ShouldBe(connect.ConnectionIndex);
    }

    [Fact]
    public async Task A_second_connect_after_a_407_counts_on_the_same_socket()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        server.Enqueue(new MockResponse(200));
        server.Enqueue(new MockResponse("inside"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldStartWith("HTTP/1.1 407 Proxy Authentication Required\r\n");
        await raw.SendAsync("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n");
        (await raw.ReadUntilAsync("\r\n\r\n")).ShouldStartWith("HTTP/1.1 200 OK");
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("inside");

        Enumerable.Range(0, 3).Select(_ => server.TakeRequest().SequenceNumber).ShouldBe([0, 1, 2]);
    }

    [Fact]
    public async Task Curl_through_the_server_as_a_proxy()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("via curl proxy"));

        var result = await ExternalProcess.CurlAsync("-x", server.ProxyAddress.ToString(), "http://example.test/curl?x=1");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBe("via curl proxy");
        var request = server.TakeRequest();
        request.Target.ShouldBe("http://example.test/curl?x=1");
        request.Headers["Host"].ShouldBe("example.test");
        request.Headers["User-Agent"]!.ShouldStartWith("curl/");
    }

    [Fact]
    public async Task ToProxy_is_not_bypassed_for_loopback()
    {
        await using var server = new MockWebServer();
        var proxy = server.ToProxy();
        proxy.IsBypassed(new Uri("http://127.0.0.1/")).ShouldBeFalse();
        proxy.GetProxy(new Uri("http://example.test/"))!.ShouldBe(server.ProxyAddress);
        proxy.ShouldBeOfType<WebProxy>();
    }
}
