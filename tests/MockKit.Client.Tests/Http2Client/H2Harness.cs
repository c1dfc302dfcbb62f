using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>MockWebServer speaking HTTP/2 (TLS + ALPN, or cleartext prior knowledge) and a client configured for it.</summary>
internal static class H2Harness
{
    public static async Task<(MockWebServer Server, InstrumentedHandler Handler, HttpClient Client)> StartAsync(bool tls, Action<InstrumentedHandler>? configure = null, Action<MockWebServer>? configureServer = null)
    {
        var server = new MockWebServer();
        var handler = new InstrumentedHandler();
        if (tls)
        {
            server.UseHttps(HandshakeCertificates.Localhost());
            handler.Certificates = HandshakeCertificates.Localhost();
        }
        else
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
            handler.Protocols = [Protocol.H2PriorKnowledge];
        }

        configure?.Invoke(handler);
        configureServer?.Invoke(server);
        await server.StartAsync();
        return (server, handler, new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) });
    }

    public static Uri Url(MockWebServer server, string path) => new($"{server.Url("/").Scheme}://localhost:{server.Port}{path}");
}
