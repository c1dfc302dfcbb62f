using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Kestrel on loopback speaking only HTTP/2: TLS (ALPN h2, the Localhost() certificate) and h2c (prior knowledge).</summary>
public sealed class KestrelH2Fixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri H2cUrl { get; private set; } = null!;

    public Uri HttpsUrl { get; private set; } = null!;

    public async Task InitializeAsync() =>
        (_app, H2cUrl, HttpsUrl) = await KestrelLoopback.StartAsync(HttpProtocols.Http2, app =>
        {
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
        });

    public Task DisposeAsync() => KestrelLoopback.StopAsync(_app);
}
