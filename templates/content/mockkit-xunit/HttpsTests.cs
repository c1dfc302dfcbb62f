using System.Net;
using MockKit.Tls;

namespace MockKitXunit;

/// <summary>
/// Example 3: HTTPS and HTTP/2 with generated certificates. HandshakeCertificates.Localhost()
/// is a root CA plus a localhost certificate that also trusts its own root, so the same
/// object configures the server and the client — no trust-everything callbacks.
/// </summary>
public sealed class HttpsTests
{
    private static readonly HandshakeCertificates Certificates = HandshakeCertificates.Localhost();

#if (XunitV3)
    // xunit v3 cancels this token when the test run is cancelled or the test times out.
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

    [Fact]
    public async Task Serves_https_to_a_client_that_trusts_the_generated_root()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Certificates);
        server.Enqueue(new MockResponse("secure"));
        using var client = new HttpClient(new InstrumentedHandler { Certificates = Certificates });

        using var response = await client.GetAsync(server.Url("/"), Cancel);

        await response.ShouldHaveStatus(200).ShouldHaveBodyAsync("secure");
        response.GetExchange().Handshake.ShouldNotBeNull();
        server.TakeRequest().Handshake!.TlsVersion.ShouldNotBe(System.Security.Authentication.SslProtocols.None);
    }

    [Fact]
    public async Task Negotiates_http2_by_alpn()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Certificates);
        server.Enqueue(new MockResponse("over h2"));
        using var client = new HttpClient(Certificates.CreateSocketsHttpHandler());

        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/h2")) { Version = HttpVersion.Version20 };
        using var response = await client.SendAsync(request, Cancel);

        await response.ShouldHaveVersion(HttpVersion.Version20).ShouldHaveBodyAsync("over h2");
        server.TakeRequest().ShouldHaveProtocol(Protocol.Http2).ShouldHaveApplicationProtocol("h2");
    }
}
