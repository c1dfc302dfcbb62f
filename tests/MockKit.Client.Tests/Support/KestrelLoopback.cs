using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Tls;

namespace MockKit.Client.Tests.Support;

/// <summary>
/// Kestrel as an independent peer: a cleartext and an HTTPS endpoint (the Localhost()
/// certificate) on 127.0.0.1 ephemeral ports, both speaking <c>protocols</c>, routes supplied by
/// the caller. The HTTPS URL uses the name localhost so hostname verification is exercised.
/// </summary>
internal static class KestrelLoopback
{
    public static async Task<(WebApplication App, Uri Http, Uri Https)> StartAsync(HttpProtocols protocols, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols);
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = protocols;
                o.UseHttps(HandshakeCertificates.Localhost().HeldCertificate!.Certificate);
            });
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var http = addresses.Single(a => a.Scheme == "http");
        var https = new Uri($"https://localhost:{addresses.Single(a => a.Scheme == "https").Port}/");
        return (app, http, https);
    }

    public static async Task StopAsync(WebApplication? app)
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
