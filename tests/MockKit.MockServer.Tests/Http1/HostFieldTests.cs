using System.Net;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

/// <summary>
/// RFC 9112 section 3.2: an HTTP/1.1 request without Host, and any request with two Host lines or
/// an invalid Host value, is answered 400 and recorded with the failure; HTTP/1.0 needs no Host,
/// and a target that carries its own authority (a proxy's absolute form, CONNECT) is still served.
/// </summary>
public sealed class HostFieldTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "The HTTP/1.1 request has no Host header field (RFC 9112 section 3.2).")]
    [InlineData("OPTIONS * HTTP/1.1\r\n\r\n", "The HTTP/1.1 request has no Host header field (RFC 9112 section 3.2).")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "The request has 2 Host header fields; RFC 9112 section 3.2 allows one.")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", "The request has 2 Host header fields; RFC 9112 section 3.2 allows one.")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "The request has 2 Host header fields; RFC 9112 section 3.2 allows one.")]
    [InlineData("GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "The request has 2 Host header fields; RFC 9112 section 3.2 allows one.")]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "The Host header field 'a b' is not uri-host [ \":\" port ] (RFC 9110 section 7.2).")]
    [InlineData("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "The Host header field 'a/b' is not uri-host [ \":\" port ] (RFC 9110 section 7.2).")]
    [InlineData("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", "The Host header field 'user@a' is not uri-host [ \":\" port ] (RFC 9110 section 7.2).")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", "The Host header field 'a:80x' is not uri-host [ \":\" port ] (RFC 9110 section 7.2).")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "The Host header field '[::1' is not uri-host [ \":\" port ] (RFC 9110 section 7.2).")]
    public async Task A_missing_duplicate_or_invalid_host_is_a_400_recorded_with_the_reason(string input, string reason)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("never sent"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(input);

        var response = await raw.ReadToEndAsync();
        response.ShouldStartWith("HTTP/1.1 400 ");
        response.ShouldContain(reason);
        server.TakeRequest().Failure.ShouldBeOfType<ProtocolViolationException>().Message.ShouldBe(reason);
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\n\r\n")] // HTTP/1.0 has no Host requirement.
    [InlineData("GET / HTTP/1.1\r\nHost:\r\n\r\n")] // Empty: allowed when the target URI has no authority (section 3.2).
    [InlineData("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: xn--caf-dma.example\r\n\r\n")]
    [InlineData("GET http://upstream.test/x HTTP/1.1\r\n\r\n")] // Absolute form: the target names the authority (section 3.2.2).
    public async Task A_request_that_names_its_authority_once_is_served(string input)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ok") { Headers = { { "Connection", "close" } } });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync(input);

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 200 ");
        server.TakeRequest().Failure.ShouldBeNull();
    }

    [Fact]
    public async Task A_connect_without_host_still_opens_the_tunnel()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.KeepOpen });
        server.Enqueue(new MockResponse("through the tunnel"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("CONNECT upstream.test:80 HTTP/1.1\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldStartWith("HTTP/1.1 200 ");
        await raw.SendAsync("GET /inside HTTP/1.1\r\nHost: upstream.test\r\nConnection: close\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldEndWith("through the tunnel");
        server.TakeRequest().Method.ShouldBe("CONNECT");
        server.TakeRequest().Target.ShouldBe("/inside");
    }

    [Fact]
    public async Task SocketsHttpHandler_and_a_proxied_call_are_served_as_before()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("direct"));
        server.Enqueue(new MockResponse("proxied"));
        using var direct = new HttpClient();
        using var proxied = new HttpClient(new HttpClientHandler { Proxy = server.ToProxy(), UseProxy = true });

        (await direct.GetStringAsync(server.Url("/"))).ShouldBe("direct");
        (await proxied.GetStringAsync("http://upstream.test/path")).ShouldBe("proxied");
        server.TakeRequest().Failure.ShouldBeNull();
        server.TakeRequest().Target.ShouldBe("http://upstream.test/path");
    }
}
