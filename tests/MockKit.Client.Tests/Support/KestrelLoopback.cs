using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MockKit.Tls;

namespace MockKit.Client.Tests.Support;

/// <summary>
/// Kestrel as an independent peer: a cleartext and an HTTPS endpoint (the Localhost()
/// certificate) on 127.0.0.1 ephemeral ports, both speaking <c>protocols</c>, routes supplied by
/// the caller. The HTTPS URL uses the name localhost so hostname verification is exercised.
/// Kestrel's own debug log is kept in <see cref="KestrelLoopbackHost.Log"/> so a failing test can
/// say why Kestrel closed a connection.
/// </summary>
internal static class KestrelLoopback
{
    public static async Task<KestrelLoopbackHost> StartAsync(HttpProtocols protocols, Action<WebApplication> map)
    {
        var log = new FakeLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Debug);
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
        return new KestrelLoopbackHost(app, http, https, log);
    }
}

/// <summary>A running <see cref="KestrelLoopback"/> instance.</summary>
internal sealed record KestrelLoopbackHost(WebApplication App, Uri Http, Uri Https, FakeLoggerProvider Log) : IAsyncDisposable
{
    /// <summary>The last lines of Kestrel's log, for a failure message.</summary>
    public string LogTail(int lines = 20) =>
        string.Join("\n", Log.Collector.GetSnapshot().TakeLast(lines).Select(r => $"  {r.Category}: {r.Level} {r.Message} {r.Exception?.Message}"));

    /// <summary>Runs a test step; a failure is rethrown with Kestrel's log tail in its message.</summary>
    public async Task<T> ExplainAsync<T>(Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (e is not ShouldAssertException)
        {
            throw new InvalidOperationException($"{e.GetType().Name}: {e.Message}\nKestrel's log:\n{LogTail()}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Log.Dispose();
    }
}
