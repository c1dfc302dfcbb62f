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

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Kestrel on loopback speaking only HTTP/2: TLS (ALPN h2, the Localhost() certificate) and h2c (prior knowledge).</summary>
public sealed class KestrelH2Fixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri H2cUrl { get; private set; } = null!;

    public Uri HttpsUrl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                o.UseHttps(HandshakeCertificates.Localhost().HeldCertificate!.Certificate);
            });
        });
        var app = builder.Build();
        app.MapGet("/", (HttpContext context) => $"hello {context.Request.Protocol}");
        app.MapGet("/trailers", async (HttpContext context) =>
        {
            context.Response.DeclareTrailer("x-checksum");
            await context.Response.WriteAsync("with trailers");
            context.Response.AppendTrailer("x-checksum", "abc");
        });
        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy);
            await context.Response.Body.WriteAsync(copy.ToArray());
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        H2cUrl = addresses.Single(a => a.Scheme == "http");
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
