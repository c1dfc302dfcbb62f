using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Tls;

namespace MockKit.Client.Tests.Interop;

/// <summary>Kestrel on loopback speaking HTTP/1.1, cleartext and HTTPS (the Localhost() certificate); one per test class.</summary>
public sealed class KestrelFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri HttpUrl { get; private set; } = null!;

    public Uri HttpsUrl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.UseHttps(HandshakeCertificates.Localhost().HeldCertificate!.Certificate);
            });
        });
        var app = builder.Build();
        app.MapGet("/", () => "hello kestrel");
        app.MapGet("/stream", async (HttpContext context) =>
        {
            for (var i = 0; i < 3; i++)
            {
                await context.Response.WriteAsync($"part{i};");
                await context.Response.Body.FlushAsync();
            }
        });
        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            await context.Response.WriteAsync($"{context.Request.Headers.TransferEncoding}|{body}");
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        HttpUrl = addresses.Single(a => a.Scheme == "http");
        HttpsUrl = new Uri($"https://localhost:{addresses.Single(a => a.Scheme == "https").Port}/");
        _app = app;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
