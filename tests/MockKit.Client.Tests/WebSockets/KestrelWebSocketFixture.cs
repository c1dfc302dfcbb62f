using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MockKit.Tls;

namespace MockKit.Client.Tests.WebSockets;

/// <summary>
/// Kestrel with <c>app.UseWebSockets()</c> as the independent WebSocket server: HTTP/1.1 on a
/// cleartext endpoint (RFC 6455 upgrade), HTTP/2 with prior knowledge on a second one and HTTP/2 over
/// TLS (ALPN, the Localhost() certificate) on a third (RFC 8441 extended CONNECT; Kestrel announces
/// SETTINGS_ENABLE_CONNECT_PROTOCOL). Routes: <c>/echo</c> echoes every frame as it arrives (type and
/// end-of-message kept) and answers a close with the same status; <c>/fragments</c> sends one text
/// message in three frames; <c>/bye</c> sends "bye" and closes from the server side; <c>/hello</c> is
/// plain HTTP.
/// </summary>
public sealed class KestrelWebSocketFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri Http1Url { get; private set; } = null!;

    public Uri H2cUrl { get; private set; } = null!;

    public Uri HttpsUrl { get; private set; } = null!;

    /// <summary>The subprotocol each accepted WebSocket was given (null: none), in accept order.</summary>
    public List<string?> AcceptedSubProtocols { get; } = [];

    /// <summary>Kestrel's log (debug and up), kept for failure messages.</summary>
    public Microsoft.Extensions.Logging.Testing.FakeLoggerProvider KestrelLog { get; } = new();

    /// <summary>The last lines of Kestrel's log, for a failure message.</summary>
    public string KestrelLogTail(int lines = 15) =>
        string.Join("\n", KestrelLog.Collector.GetSnapshot().TakeLast(lines).Select(r => $"{r.Category}: {r.Level} {r.Message} {r.Exception?.Message}"));

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();

        // Kestrel's own account of its connections (why it closed one), for failure messages.
        builder.Logging.AddProvider(KestrelLog);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(HandshakeCertificates.Localhost().HeldCertificate!.Certificate);
            });
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/hello", (HttpContext context) => $"hello {context.Request.Protocol}");
        app.Map("/echo", EchoAsync);
        app.Map("/fragments", FragmentsAsync);
        app.Map("/bye", ByeAsync);
        await app.StartAsync();
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var cleartext = addresses.Where(a => a.Scheme == "http").Select(a => a.Port).ToList();
        // Endpoints are bound in the order they were declared.
        Http1Url = new Uri($"ws://127.0.0.1:{cleartext[0]}/");
        H2cUrl = new Uri($"ws://127.0.0.1:{cleartext[1]}/");
        HttpsUrl = new Uri($"wss://localhost:{addresses.Single(a => a.Scheme == "https").Port}/");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        KestrelLog.Dispose();
    }

    private async Task<WebSocket?> AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        var chosen = requested.Count > 0 ? requested[^1] : null; // The last offered: proves the choice is the server's.
        lock (AcceptedSubProtocols)
        {
            AcceptedSubProtocols.Add(chosen);
        }

        return await context.WebSockets.AcceptWebSocketAsync(chosen);
    }

    private async Task EchoAsync(HttpContext context)
    {
        using var socket = await AcceptAsync(context);
        if (socket is null)
        {
            return;
        }

        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(received.CloseStatus ?? WebSocketCloseStatus.Empty, received.CloseStatusDescription, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away without a close handshake (the abort tests): nothing to answer.
        }
    }

    private async Task FragmentsAsync(HttpContext context)
    {
        using var socket = await AcceptAsync(context);
        if (socket is null)
        {
            return;
        }

        await socket.SendAsync("one "u8.ToArray(), WebSocketMessageType.Text, endOfMessage: false, context.RequestAborted);
        await socket.SendAsync("two "u8.ToArray(), WebSocketMessageType.Text, endOfMessage: false, context.RequestAborted);
        await socket.SendAsync("three"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        var received = await socket.ReceiveAsync(new byte[16], context.RequestAborted);
        if (received.MessageType == WebSocketMessageType.Close)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
        }
    }

    private async Task ByeAsync(HttpContext context)
    {
        using var socket = await AcceptAsync(context);
        if (socket is null)
        {
            return;
        }

        await socket.SendAsync("bye"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "server done", context.RequestAborted); // Waits for the client's close.
    }
}
