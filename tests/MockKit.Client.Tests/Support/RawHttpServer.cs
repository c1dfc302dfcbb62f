using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MockKit.Client.Tests.Support;

/// <summary>
/// A one-shot loopback server that reads a request head and answers with fixed bytes, then
/// closes: for responses MockWebServer deliberately never produces (a body delimited by close).
/// </summary>
internal sealed class RawHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _serving;

    public RawHttpServer(string response)
    {
        _listener.Start();
        _serving = ServeAsync(Encoding.ASCII.GetBytes(response));
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _listener.Stop();
        _listener.Dispose();
        _ = _serving.Exception; // Observed: a stopped listener may fault the accept.
    }

    private async Task ServeAsync(byte[] response)
    {
        using var socket = await _listener.AcceptSocketAsync();
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer);
            if (read == 0)
            {
                return;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await socket.SendAsync(response);
        socket.Shutdown(SocketShutdown.Both);
    }
}
