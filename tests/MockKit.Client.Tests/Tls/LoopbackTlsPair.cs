using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace MockKit.Client.Tests.Tls;

/// <summary>Two ends of a real loopback TCP connection, each wrapped in an <see cref="SslStream"/>.</summary>
internal sealed class LoopbackTlsPair : IAsyncDisposable
{
    /// <summary>Only a guard against a hung test; no assertion depends on it.</summary>
    private static readonly TimeSpan HandshakeGuard = TimeSpan.FromSeconds(30);

    private LoopbackTlsPair(SslStream server, SslStream client)
    {
        Server = server;
        Client = client;
    }

    public SslStream Server { get; }

    public SslStream Client { get; }

    public static async Task<LoopbackTlsPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        return new LoopbackTlsPair(
            new SslStream(new NetworkStream(server, ownsSocket: true)),
            new SslStream(new NetworkStream(client, ownsSocket: true)));
    }

    /// <summary>
    /// Runs both handshakes at once and returns each side's failure (null for success). A side
    /// that fails closes its stream, so the peer sees the end of the connection instead of
    /// waiting for bytes that never come.
    /// </summary>
    public async Task<(Exception? Server, Exception? Client)> HandshakeAsync(
        SslServerAuthenticationOptions serverOptions, SslClientAuthenticationOptions clientOptions)
    {
        var server = CaptureAsync(Server, Server.AuthenticateAsServerAsync(serverOptions));
        var client = CaptureAsync(Client, Client.AuthenticateAsClientAsync(clientOptions));
        await Task.WhenAll(server, client).WaitAsync(HandshakeGuard);
        return (await server, await client);
    }

    /// <summary>Writes one byte each way; returns the first failure, or null when both directions work.</summary>
    public async Task<Exception?> ExchangeAsync()
    {
        try
        {
            await Client.WriteAsync(new byte[] { 1 }).AsTask().WaitAsync(HandshakeGuard);
            var buffer = new byte[1];
            var read = await Server.ReadAsync(buffer).AsTask().WaitAsync(HandshakeGuard);
            await Server.WriteAsync(new byte[] { 2 }).AsTask().WaitAsync(HandshakeGuard);
            read += await Client.ReadAsync(buffer).AsTask().WaitAsync(HandshakeGuard);
            return read == 2 ? null : new IOException("The connection ended early.");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            return e;
        }
    }

    private static async Task<Exception?> CaptureAsync(SslStream stream, Task handshake)
    {
        try
        {
            await handshake;
            return null;
        }
        catch (Exception e)
        {
            await stream.DisposeAsync();
            return e;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Client.DisposeAsync();
    }
}
