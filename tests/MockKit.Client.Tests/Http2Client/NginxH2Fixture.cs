using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>nginx on loopback speaking HTTP/2 over TLS (the Localhost() certificate), started once per test class.</summary>
public sealed class NginxH2Fixture : IAsyncLifetime
{
    private ExternalServer? _nginx;

    public int TlsPort { get; private set; }

    public async Task InitializeAsync()
    {
        // Held until nginx listens, so no other process is handed the port meanwhile.
        using var tlsPort = new PortReservation();
        TlsPort = tlsPort.Port;

        // "listen … ssl http2" is the form nginx 1.22 (the packaged one) understands; 1.25.1+ also accept "http2 on;".
        _nginx = await NginxLoopback.StartAsync("nginx-h2", directory => $$"""
                server {
                    listen 127.0.0.1:{{TlsPort}} ssl http2;
                    ssl_certificate {{directory}}/cert.pem;
                    ssl_certificate_key {{directory}}/key.pem;
                    location / { return 200 "nginx h2 ok $server_protocol"; }
                    location /moved { return 302 /; }
                }
            """, tlsPort);
    }

    public Task DisposeAsync()
    {
        _nginx?.Dispose();
        return Task.CompletedTask;
    }
}
