using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MockKit.Benchmarks;

/// <summary>
/// For <c>client-profile ... raw</c>: a loopback HTTP/1.1 server that uses no thread-pool work items
/// (one dedicated thread per connection, blocking socket calls), so the work items a client run counts
/// are the client's own. It answers every request head with the bytes Kestrel sends for ClientBenchmarks'
/// string endpoint (chunked, one segment).
/// </summary>
internal sealed class ThreadServer : IDisposable
{
    private static readonly byte[] s_response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nDate: Wed, 02 Dec 2026 08:00:00 GMT\r\n"
        + "Server: Kestrel\r\nTransfer-Encoding: chunked\r\n\r\nf\r\nhello benchmark\r\n0\r\n\r\n");

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ThreadServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        new Thread(Accept) { IsBackground = true, Name = "raw-accept" }.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public void Dispose() => _listener.Dispose();

    private void Accept()
    {
        try
        {
            while (true)
            {
                var socket = _listener.Accept();
                socket.NoDelay = true;
                new Thread(() => Serve(socket)) { IsBackground = true, Name = "raw-conn" }.Start();
            }
        }
        catch (SocketException)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // Disposed.
        }
    }

    private static void Serve(Socket socket)
    {
        using var _ = socket;
        var buffer = new byte[16 * 1024];
        var end = 0;
        try
        {
            while (true)
            {
                var read = socket.Receive(buffer, end, buffer.Length - end, SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                end += read;
                int headEnd;
                while ((headEnd = buffer.AsSpan(0, end).IndexOf("\r\n\r\n"u8)) >= 0)
                {
                    // Requests without bodies only (GET).
                    var consumed = headEnd + 4;
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, end - consumed);
                    end -= consumed;
                    socket.Send(s_response);
                }
            }
        }
        catch (SocketException)
        {
            // The client closed.
        }
    }
}
