using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MockKit.Benchmarks;

/// <summary>
/// The baseline: the smallest ASP.NET Core minimal-API app we can write, one protocol per run
/// (HTTP/1.1, h2c prior knowledge, or h2 over TLS) on 127.0.0.1, logging off, answering every GET / with <see cref="FixedResponse"/>.
/// </summary>
internal static class KestrelHost
{
    /// <summary>Builds and starts the app on an ephemeral port.</summary>
    /// <param name="variant">"h1" (HTTP/1.1 cleartext), "h2c" (HTTP/2 prior knowledge) or "h2" (HTTP/2 over TLS with the
    /// same localhost certificate MockWebServer uses).</param>
    /// <returns>The running app and its port.</returns>
    public static async Task<(WebApplication App, int Port)> StartAsync(string variant = "h1")
    {
        // The slim builder skips the hosting features a benchmark does not need (it is also
        // what a latency-conscious test host would use), so the startup comparison is not
        // padded on Kestrel's side.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = variant == "h1" ? HttpProtocols.Http1 : HttpProtocols.Http2;
                if (variant == "h2")
                {
                    listen.UseHttps(MockKit.Tls.HandshakeCertificates.Localhost().HeldCertificate!.Certificate);
                }
            });
        });

        var app = builder.Build();
        app.MapGet("/", WriteFixedResponseAsync);
        // What ClientBenchmarks serves (a minimal-API string result: charset, chunked), for client-profile.
        app.MapGet("/string", () => "hello benchmark");

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return (app, new Uri(address).Port);
    }

    // A RequestDelegate rather than a lambda returning a result: no result-type plumbing, the
    // same work the mock does (set two headers, write 13 bytes).
    private static async Task WriteFixedResponseAsync(HttpContext context)
    {
        context.Response.ContentType = FixedResponse.ContentType;
        context.Response.ContentLength = FixedResponse.Body.Length;
        await context.Response.BodyWriter.WriteAsync(FixedResponse.Body);
    }
}
