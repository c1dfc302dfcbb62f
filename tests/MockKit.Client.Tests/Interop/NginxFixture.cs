using MockKit.Client.Tests.Support;
using MockKit.Tls;

namespace MockKit.Client.Tests.Interop;

/// <summary>nginx on loopback: cleartext and TLS (the Localhost() certificate), started once per test class.</summary>
public sealed class NginxFixture : IAsyncLifetime
{
    private ExternalServer? _nginx;

    public int Port { get; private set; }

    public int TlsPort { get; private set; }

    public async Task InitializeAsync()
    {
        var directory = ExternalServer.NewDirectory("nginx");
        Port = ExternalServer.FreePort();
        TlsPort = ExternalServer.FreePort();
        var held = HandshakeCertificates.Localhost().HeldCertificate!;
        await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), held.CertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), held.PrivateKeyPkcs8Pem());
        var config = Path.Combine(directory, "nginx.conf");
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
            }
            """);
        _nginx = await ExternalServer.StartAsync("/usr/sbin/nginx", "nginx", directory, ["-c", config, "-p", directory, "-e", Path.Combine(directory, "error.log")], Port, TlsPort);
    }

    public Task DisposeAsync()
    {
        _nginx?.Dispose();
        return Task.CompletedTask;
    }
}
