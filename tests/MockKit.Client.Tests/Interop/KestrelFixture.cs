using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Interop;

/// <summary>Kestrel on loopback speaking HTTP/1.1, cleartext and HTTPS (the Localhost() certificate); one per test class.</summary>
public sealed class KestrelFixture : IAsyncLifetime
{
    private KestrelLoopbackHost? _host;

    public Uri HttpUrl => Host.Http;

    public Uri HttpsUrl => Host.Https;

    /// <summary>The running Kestrel; <see cref="KestrelLoopbackHost.ExplainAsync{T}"/> adds its log to a failure.</summary>
    internal KestrelLoopbackHost Host => _host ?? throw new InvalidOperationException("Kestrel has not started.");

    public async Task InitializeAsync() =>
        _host = await KestrelLoopback.StartAsync(HttpProtocols.Http1, app =>
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

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
