using MockKit.Client.Tests.Support;
using MockKit.Client.Tests.WebSockets;

namespace MockKit.Client.Tests.Interop;

/// <summary>
/// squid as a real forward proxy in front of its own nginx and a Kestrel WebSocket server; started once per
/// test class. CONNECT is allowed to nginx's TLS port and to Kestrel's cleartext HTTP/1.1 port (a ws://
/// WebSocket tunnels, RFC 6455 section 4.1), refused to any other port.
/// </summary>
public sealed class SquidFixture : IAsyncLifetime
{
    private ExternalServer? _squid;

    public NginxFixture Nginx { get; } = new();

    public KestrelWebSocketFixture WebSockets { get; } = new();

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        await Nginx.InitializeAsync();
        await WebSockets.InitializeAsync();
        var directory = ExternalServer.NewDirectory("squid");
        // Held until squid listens, so no other process is handed the port meanwhile.
        using var port = new PortReservation();
        Port = port.Port;
        var config = Path.Combine(directory, "squid.conf");
        await File.WriteAllTextAsync(config, $"""
            http_port 127.0.0.1:{Port}
            acl localhost_clients src 127.0.0.1/32
            acl tls_origin port {Nginx.TlsPort}
            acl plain_origin port {Nginx.Port}
            acl ws_origin port {WebSockets.Http1Url.Port}
            acl CONNECT method CONNECT
            http_access deny CONNECT !tls_origin !ws_origin
            http_access allow localhost_clients tls_origin
            http_access allow localhost_clients plain_origin
            http_access allow localhost_clients ws_origin
            http_access deny all
            cache deny all
            pid_filename {directory}/squid.pid
            cache_log {directory}/cache.log
            access_log none
            coredump_dir {directory}
            shutdown_lifetime 0 seconds
            dns_v4_first on
            """);
        _squid = await ExternalServer.StartAsync("/usr/sbin/squid", "squid", directory, ["-N", "-f", config], port);
    }

    public async Task DisposeAsync()
    {
        _squid?.Dispose();
        await WebSockets.DisposeAsync();
        await Nginx.DisposeAsync();
    }
}
