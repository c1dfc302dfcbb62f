using MockKit.Tls;

namespace MockKit.Client.Tests.Support;

/// <summary>
/// nginx as an independent peer on loopback: a private directory with the Localhost() certificate
/// as cert.pem/key.pem, the common http-block prelude (no access log, temp paths inside the
/// directory), and the caller's <c>server</c> blocks; started in the foreground and waited for.
/// </summary>
internal static class NginxLoopback
{
    /// <param name="name">Directory prefix, for telling instances apart when one fails.</param>
    /// <param name="servers">The server blocks, given the directory (for cert.pem and key.pem).</param>
    /// <param name="ports">The reserved ports the blocks listen on, held by the caller until this returns; start-up waits until each accepts.</param>
    public static async Task<ExternalServer> StartAsync(string name, Func<string, string> servers, params PortReservation[] ports)
    {
        var directory = ExternalServer.NewDirectory(name);
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
            {{servers(directory)}}
            }
            """);
        return await ExternalServer.StartAsync("/usr/sbin/nginx", "nginx", directory, ["-c", config, "-p", directory, "-e", Path.Combine(directory, "error.log")], ports);
    }
}
