using System.Net;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Support;

/// <summary>A started MockWebServer plus an InstrumentedHandler and HttpClient pointed at it.</summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    private ClientHarness(MockWebServer server, InstrumentedHandler handler)
    {
        Server = server;
        Handler = handler;
        Client = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public MockWebServer Server { get; }

    public InstrumentedHandler Handler { get; }

    public HttpClient Client { get; }

    public ConnectionPool Pool => Handler.Pool;

    public static async Task<ClientHarness> StartAsync(InstrumentedHandler? handler = null, Action<MockWebServer>? configure = null)
    {
        var server = new MockWebServer();
        configure?.Invoke(server);
        await server.StartAsync();
        return new ClientHarness(server, handler ?? new InstrumentedHandler());
    }

    public Uri Url(string path) => Server.Url(path);

    /// <summary>localhost URLs resolved by a DNS that answers loopback <paramref name="routes"/> times.</summary>
    public static InstrumentedHandler HandlerWithRoutes(int routes, ConnectionPool? pool = null) =>
        pool is null
            ? new InstrumentedHandler { Dns = new StaticDns([.. Enumerable.Repeat(IPAddress.Loopback, routes)]) }
            : new InstrumentedHandler { Dns = new StaticDns([.. Enumerable.Repeat(IPAddress.Loopback, routes)]), Pool = pool };

    public Uri LocalhostUrl(string path) => new($"{Server.Url("/").Scheme}://localhost:{Server.Port}{path}");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
