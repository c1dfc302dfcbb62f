using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Interop;

/// <summary>nginx on loopback: cleartext and TLS (the Localhost() certificate), started once per test class.</summary>
public sealed class NginxFixture : IAsyncLifetime
{
    private ExternalServer? _nginx;

    public int Port { get; private set; }

    public int TlsPort { get; private set; }

    public async Task InitializeAsync()
    {
        // Held until nginx listens, so no other process is handed the ports meanwhile.
        using var port = new PortReservation();
        using var tlsPort = new PortReservation();
        Port = port.Port;
        TlsPort = tlsPort.Port;
        _nginx = await NginxLoopback.StartAsync("nginx", directory => $$"""
                server {
                    listen 127.0.0.1:{{Port}};
                    location / { return 200 "nginx ok"; }
                    location /moved { return 302 /; }
                    location /close { keepalive_timeout 0; return 200 "closing"; }
                }
                server {
                    listen 127.0.0.1:{{TlsPort}} ssl;
                    ssl_certificate {{directory}}/cert.pem;
                    ssl_certificate_key {{directory}}/key.pem;
                    location / { return 200 "nginx tls ok"; }
                }
            """, port, tlsPort);
    }

    public Task DisposeAsync()
    {
        _nginx?.Dispose();
        return Task.CompletedTask;
    }
}
