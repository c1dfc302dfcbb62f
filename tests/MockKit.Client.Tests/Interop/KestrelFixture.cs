using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Interop;

/// <summary>Kestrel on loopback speaking HTTP/1.1, cleartext and HTTPS (the Localhost() certificate); one per test class.</summary>
public sealed class KestrelFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri HttpUrl { get; private set; } = null!;

    public Uri HttpsUrl { get; private set; } = null!;

    public async Task InitializeAsync() =>
        (_app, HttpUrl, HttpsUrl) = await KestrelLoopback.StartAsync(HttpProtocols.Http1, app =>
        {
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
        });

    public Task DisposeAsync() => KestrelLoopback.StopAsync(_app);
}
