using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Grpc.Tests;

/// <summary>How a test's gRPC channel reaches the server: cleartext (prior knowledge) or TLS (ALPN h2), through our handler or the runtime's.</summary>
public enum GrpcTransport
{
    H2cInstrumented,
    TlsInstrumented,
    H2cSockets,
    TlsSockets,
}

/// <summary>A MockWebServer speaking HTTP/2 and a Grpc.Net.Client channel pointed at it.</summary>
internal sealed class GrpcHarness : IAsyncDisposable
{
    private GrpcHarness(MockWebServer server, HttpMessageHandler handler, GrpcChannel channel)
    {
        Server = server;
        Handler = handler;
        Channel = channel;
        Client = new Greet.Greeter.GreeterClient(channel);
    }

    public MockWebServer Server { get; }

    public HttpMessageHandler Handler { get; }

    public InstrumentedHandler Instrumented => (InstrumentedHandler)Handler;

    public GrpcChannel Channel { get; }

    public Greet.Greeter.GreeterClient Client { get; }

    public static async Task<GrpcHarness> StartAsync(GrpcTransport transport, ServiceConfig? serviceConfig = null, Action<MockWebServer>? configure = null, TimeProvider? timeProvider = null)
    {
        var tls = transport is GrpcTransport.TlsInstrumented or GrpcTransport.TlsSockets;
        var server = new MockWebServer { TimeProvider = timeProvider ?? TimeProvider.System };
        if (tls)
        {
            server.UseHttps(HandshakeCertificates.Localhost());
        }
        else
        {
            // Cleartext HTTP/2 needs the server told so (prior knowledge); the handler is left at its defaults.
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        configure?.Invoke(server);
        await server.StartAsync();
        HttpMessageHandler handler = transport switch
        {
            GrpcTransport.H2cInstrumented => new InstrumentedHandler(),
            GrpcTransport.TlsInstrumented => new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost() },
            GrpcTransport.H2cSockets => new SocketsHttpHandler(),
            _ => HandshakeCertificates.Localhost().CreateSocketsHttpHandler(),
        };
        var address = new Uri($"{server.Url("/").Scheme}://localhost:{server.Port}/");
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            ServiceConfig = serviceConfig,
            DisposeHttpClient = true,
        });
        return new GrpcHarness(server, handler, channel);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Handler.Dispose();
        await Server.DisposeAsync();
    }
}
