using System.Net;
using System.Net.WebSockets;
using MockKit.Tls;

namespace MockKit.Client.Tests.WebSockets;

/// <summary>
/// How a test reaches the Kestrel WebSocket server: <c>http1</c> (RFC 6455 upgrade over cleartext
/// HTTP/1.1), <c>h2c</c> (RFC 8441 over HTTP/2 with prior knowledge) or <c>h2</c> (RFC 8441 over TLS + ALPN).
/// </summary>
internal static class WebSocketTransport
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A handler for <paramref name="transport"/>; with <paramref name="time"/>, its clock and its pool's (1 minute keep-alive).</summary>
    public static InstrumentedHandler Handler(string transport, EventListener? listener = null, TimeProvider? time = null)
    {
        var handler = time is null
            ? new InstrumentedHandler()
            : new InstrumentedHandler { TimeProvider = time, Pool = new ConnectionPool(keepAlive: TimeSpan.FromMinutes(1), timeProvider: time) };
        if (transport == "h2c")
        {
            handler.Protocols = [Protocol.H2PriorKnowledge];
        }
        else if (transport == "h2")
        {
            handler.Certificates = HandshakeCertificates.Localhost();
        }

        if (listener is not null)
        {
            handler.EventListener = listener;
        }

        return handler;
    }

    public static Uri Url(KestrelWebSocketFixture kestrel, string transport, string path) => new(transport switch
    {
        "http1" => kestrel.Http1Url,
        "h2c" => kestrel.H2cUrl,
        _ => kestrel.HttpsUrl,
    }, path);

    /// <summary>The URL of a plain HTTP request on the same server and protocol (for pool tests).</summary>
    public static HttpRequestMessage PlainGet(KestrelWebSocketFixture kestrel, string transport, string path)
    {
        var url = new UriBuilder(Url(kestrel, transport, path)) { Scheme = transport == "h2" ? "https" : "http" }.Uri;
        return new HttpRequestMessage(HttpMethod.Get, url)
        {
            Version = transport == "http1" ? HttpVersion.Version11 : HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public static async Task<ClientWebSocket> ConnectAsync(KestrelWebSocketFixture kestrel, string transport, InstrumentedHandler handler, string path, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        if (transport != "http1")
        {
            // What makes ClientWebSocket send an RFC 8441 extended CONNECT instead of a GET with Upgrade.
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        configure?.Invoke(socket.Options);
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await socket.ConnectAsync(Url(kestrel, transport, path), new HttpMessageInvoker(handler, disposeHandler: false), deadline.Token);
        }
        catch (WebSocketException e)
        {
            throw new WebSocketException($"{e.Message} Kestrel's log:\n{kestrel.KestrelLogTail()}", e);
        }

        return socket;
    }

    public static async Task SendTextAsync(WebSocket socket, string text, bool endOfMessage = true)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage, deadline.Token);
    }

    /// <summary>Receives one whole message (all its frames); returns its type, bytes and how many receives it took.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data, int Frames, WebSocketReceiveResult Last)> ReceiveMessageAsync(WebSocket socket)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var frames = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, deadline.Token);
            frames++;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, message.ToArray(), frames, result);
            }
        }
    }
}
