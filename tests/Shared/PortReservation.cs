using System.Net;
using System.Net.Sockets;

namespace MockKit.Testing;

/// <summary>
/// A loopback port kept for a server the test starts on it later (nginx, squid, a
/// <c>StartAsync(port)</c>): hold the reservation until the server listens, then dispose it.
/// </summary>
/// <remarks>
/// <para>"Bind port 0, read the port, close the socket" leaves a window in which any other
/// process may be handed the port (its own bind to port 0, or the ephemeral source port of an
/// outgoing connection), and the server then fails to bind it or, worse, the start-up probe
/// connects to the other process and the test talks to the wrong peer.</para>
/// <para>The reservation is a TCP socket bound to 127.0.0.1:0 with SO_REUSEADDR that never
/// listens. While it is bound, Linux gives the port to no bind to port 0 (with
/// net.ipv4.ip_autobind_reuse off, the default, a port with a bound owner is never picked) and
/// to no ephemeral source port. The server itself can still bind it: Linux lets a socket bind an
/// address already bound by another when both set SO_REUSEADDR and the earlier one is not
/// listening (socket(7), SO_REUSEADDR). nginx and squid set SO_REUSEADDR on their listening
/// sockets, and so does the .NET runtime on every TCP bind on Unix (MockWebServer included).
/// The listening server then gets every connection; the reservation never accepts any.</para>
/// </remarks>
internal sealed class PortReservation : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>Binds the reservation to a free loopback port.</summary>
    public PortReservation()
    {
        try
        {
            // Explicit, though the runtime also sets it on Unix: the server's bind depends on it.
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>The reserved port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Releases the port (the server listening on it keeps it).</summary>
    public void Dispose() => _socket.Dispose();
}
