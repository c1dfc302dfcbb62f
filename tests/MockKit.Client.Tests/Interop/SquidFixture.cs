using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Interop;

/// <summary>squid as a real forward proxy (CONNECT allowed to nginx's TLS port only) in front of its own nginx; started once per test class.</summary>
public sealed class SquidFixture : IAsyncLifetime
{
    private ExternalServer? _squid;

    public NginxFixture Nginx { get; } = new();

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        await Nginx.InitializeAsync();
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
            acl CONNECT method CONNECT
            http_access deny CONNECT !tls_origin
            http_access allow localhost_clients tls_origin
            http_access allow localhost_clients plain_origin
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
        await Nginx.DisposeAsync();
    }
}
