using System.Net;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// Proxy-Authorization (RFC 9110 section 11.7.2) is the proxy's: it may go on a CONNECT and on
/// absolute-form requests to a plain-http proxy, never to an origin (directly, inside a tunnel,
/// or after a redirect to another origin). MockWebServer plays the proxy and records every request.
/// </summary>
public sealed class ProxyAuthorizationTests
{
    private const string Secret = "Basic cHJveHk6c2VjcmV0";

    [Theory]
    [InlineData(Protocol.Http11)]
    [InlineData(Protocol.Http2)]
    public async Task A_request_through_a_connect_tunnel_does_not_carry_Proxy_Authorization_to_the_origin(Protocol protocol)
    {
        var certificates = HandshakeCertificates.Localhost();
        await using var h = await ClientHarness.StartAsync(configure: server => server.UseHttps(certificates));
        using var client = new HttpClient(new InstrumentedHandler { Proxy = h.Server.ToProxy(), Certificates = certificates, Protocols = [protocol] });
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        h.Server.Enqueue(new MockResponse("tunnelled"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{h.Server.Port}/inside");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", Secret);

        using var response = await client.SendAsync(request);

        (await response.Content.ReadAsStringAsync()).ShouldBe("tunnelled");
        h.Server.TakeRequest().Method.ShouldBe("CONNECT");
        var inside = h.Server.TakeRequest();
        inside.Path.ShouldBe("/inside");
        inside.Protocol.ShouldBe(protocol);
        inside.Headers["Proxy-Authorization"].ShouldBeNull();
    }

    [Fact]
    public async Task A_direct_request_does_not_carry_Proxy_Authorization()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("direct"));
        using var request = new HttpRequestMessage(HttpMethod.Get, h.Url("/"));
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", Secret);

        using var response = await h.Client.SendAsync(request);

        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBeNull();
    }

    [Fact]
    public async Task Proxy_Authorization_goes_to_a_plain_proxy_and_does_not_follow_a_cross_origin_redirect()
    {
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy(h.Server.ProxyAddress) { BypassProxyOnLocal = false };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Dns = new StaticDns() });
        h.Server.Enqueue(new MockResponse(302) { Headers = { { "Location", "http://origin.test/same" } } });
        h.Server.Enqueue(new MockResponse(302) { Headers = { { "Location", "http://other.test/elsewhere" } } });
        h.Server.Enqueue(new MockResponse("arrived"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://origin.test/start");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", Secret);

        using var response = await client.SendAsync(request);

        (await response.Content.ReadAsStringAsync()).ShouldBe("arrived");
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBe(Secret, "an absolute-form request to the proxy carries it");
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBe(Secret, "a same-origin redirect keeps it");
        var elsewhere = h.Server.TakeRequest();
        elsewhere.Target.ShouldBe("http://other.test/elsewhere");
        elsewhere.Headers["Proxy-Authorization"].ShouldBeNull();
    }

    [Fact]
    public async Task After_a_cross_origin_redirect_a_407_from_the_proxy_is_answered_again_from_the_credentials()
    {
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy(h.Server.ProxyAddress) { BypassProxyOnLocal = false, Credentials = new NetworkCredential("user", "pass") };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Dns = new StaticDns() });
        h.Server.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        h.Server.Enqueue(new MockResponse(302) { Headers = { { "Location", "http://other.test/" } } });
        h.Server.Enqueue(new MockResponse(407) { Headers = { { "Proxy-Authenticate", "Basic realm=\"mock\"" } } });
        h.Server.Enqueue(new MockResponse("welcome"));

        (await client.GetStringAsync("http://origin.test/")).ShouldBe("welcome");

        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBeNull();
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBe("Basic dXNlcjpwYXNz");
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBeNull("the credentials do not follow the redirect to another origin");
        h.Server.TakeRequest().Headers["Proxy-Authorization"].ShouldBe("Basic dXNlcjpwYXNz");
    }
}
