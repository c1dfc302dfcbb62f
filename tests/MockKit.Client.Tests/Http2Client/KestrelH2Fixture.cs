using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Kestrel on loopback speaking only HTTP/2: TLS (ALPN h2, the Localhost() certificate) and h2c (prior knowledge).</summary>
public sealed class KestrelH2Fixture : IAsyncLifetime
{
    private KestrelLoopbackHost? _host;

    public Uri H2cUrl => Host.Http;

    public Uri HttpsUrl => Host.Https;

    /// <summary>The running Kestrel; <see cref="KestrelLoopbackHost.ExplainAsync{T}"/> adds its log to a failure.</summary>
    internal KestrelLoopbackHost Host => _host ?? throw new InvalidOperationException("Kestrel has not started.");

    public async Task InitializeAsync() =>
        _host = await KestrelLoopback.StartAsync(HttpProtocols.Http2, app =>
        {
            app.MapGet("/", (HttpContext context) => $"hello {context.Request.Protocol}");
            app.MapGet("/trailers", async (HttpContext context) =>
            {
                context.Response.DeclareTrailer("x-checksum");
                await context.Response.WriteAsync("with trailers");
                context.Response.AppendTrailer("x-checksum", "abc");
            });
            app.MapGet("/headers", (HttpContext context) =>
                string.Join('\n', context.Request.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}")));
            app.MapPost("/echo", async (HttpContext context) =>
            {
                using var copy = new MemoryStream();
                await context.Request.Body.CopyToAsync(copy);
                await context.Response.Body.WriteAsync(copy.ToArray());
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
