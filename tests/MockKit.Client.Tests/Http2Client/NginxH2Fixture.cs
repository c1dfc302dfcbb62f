using MockKit.Client.Tests.Support;
using MockKit.Tls;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>nginx on loopback speaking HTTP/2 over TLS (the Localhost() certificate), started once per test class.</summary>
public sealed class NginxH2Fixture : IAsyncLifetime
{
    private ExternalServer? _nginx;

    public int TlsPort { get; private set; }

    public async Task InitializeAsync()
    {
        var directory = ExternalServer.NewDirectory("nginx-h2");
        TlsPort = ExternalServer.FreePort();
        var held = HandshakeCertificates.Localhost().HeldCertificate!;
        await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), held.CertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), held.PrivateKeyPkcs8Pem());
        var config = Path.Combine(directory, "nginx.conf");

        // "listen … ssl http2" is the form nginx 1.22 (the packaged one) understands; 1.25.1+ also accept "http2 on;".
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log;
            events { }
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                server {
                    listen 127.0.0.1:{{TlsPort}} ssl http2;
                    ssl_certificate {{directory}}/cert.pem;
                    ssl_certificate_key {{directory}}/key.pem;
                    location / { return 200 "nginx h2 ok $server_protocol"; }
                    location /moved { return 302 /; }
                }
            }
            """);
        _nginx = await ExternalServer.StartAsync("/usr/sbin/nginx", "nginx", directory, ["-c", config, "-p", directory, "-e", Path.Combine(directory, "error.log")], TlsPort);
    }

    public Task DisposeAsync()
    {
        _nginx?.Dispose();
        return Task.CompletedTask;
    }
}
