using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Tls;

namespace MockKit.Client.Tests.Tls;

/// <summary>
/// Kestrel serving HTTPS on 127.0.0.1 with an ephemeral port and one fixed body: a TLS server
/// we did not write, to check our certificates and client adapters against. It answers
/// <see cref="Body"/>, or names the client certificate when one was presented.
/// </summary>
internal sealed class KestrelHttpsServer : IAsyncDisposable
{
    public const string Body = "hello over tls";

    private readonly WebApplication _app;

    private KestrelHttpsServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Url(string host) => new($"https://{host}:{Port}/");

    /// <summary>
    /// Serves with <see cref="HandshakeCertificates.ServerOptions"/> (certificate context plus
    /// intermediates); <paramref name="allowTlsResume"/> turns session resumption back on, as any
    /// production server has it.
    /// </summary>
    public static Task<KestrelHttpsServer> StartAsync(HandshakeCertificates certificates, bool requireClientCertificate = false, bool allowTlsResume = false) =>
        StartAsync(https => https.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ =>
            {
                var options = certificates.ServerOptions();
                options.ClientCertificateRequired = requireClientCertificate;
                options.AllowTlsResume = allowTlsResume;
                return ValueTask.FromResult(options);
            },
        }));

    /// <summary>Serves the bare certificate through Kestrel's own <c>UseHttps(X509Certificate2)</c>.</summary>
    public static Task<KestrelHttpsServer> StartAsync(X509Certificate2 certificate) =>
        StartAsync(https => https.UseHttps(certificate));

    private static async Task<KestrelHttpsServer> StartAsync(Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> https)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, https));
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(
            context.Connection.ClientCertificate is { } client ? $"client {client.Subject}" : Body));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new KestrelHttpsServer(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
