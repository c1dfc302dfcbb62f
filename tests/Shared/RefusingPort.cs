using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MockKit.Testing;

/// <summary>
/// A loopback port that refuses connections for as long as this object lives: a TCP socket bound
/// to 127.0.0.1:0 that never listens. <c>using var refused = new RefusingPort();</c> then connect
/// to <c>127.0.0.1:{refused.Port}</c>.
/// </summary>
/// <remarks>
/// <para>Why not "bind port 0, read the port, close the socket": between the close and the
/// test's connect any other process on the machine (the suite runs several test assemblies,
/// nginx, squid and Kestrel at once) may be handed that port by its own bind to port 0, or use it
/// as the source port of an outgoing connection, and the "refused" connect then succeeds or
/// reaches some other server.</para>
/// <para>Holding the bound socket closes that window. On Linux a SYN to a port with no listening
/// socket is answered with RST, so a connect fails with ECONNREFUSED although the port is bound.
/// While the socket is bound the kernel hands the port to no one: a bind to port 0 never picks a
/// port that has a bound owner (net.ipv4.ip_autobind_reuse is off by default), and neither does
/// the choice of an ephemeral source port for connect().</para>
/// <para>An explicit bind to this port number by someone else also fails (EADDRINUSE), but only
/// because this socket does not carry SO_REUSEADDR: Linux lets two sockets share a port when
/// both set it and the earlier one is not listening (socket(7)). The runtime's own
/// <see cref="Socket.Bind"/> sets SO_REUSEADDR on every TCP socket on Unix (to mimic Windows'
/// bind during TIME_WAIT), so on Linux the socket is bound with libc's bind(2) directly.</para>
/// </remarks>
internal sealed class RefusingPort : IDisposable
{
    // sizeof(struct sockaddr_in) on Linux: family (host order), port (network order), IPv4
    // address, 8 bytes of padding.
    private const int SockaddrInLength = 16;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>Binds the socket; the port refuses connections until <see cref="Dispose"/>.</summary>
    public RefusingPort()
    {
        try
        {
            Port = OperatingSystem.IsLinux() ? BindWithoutReuseAddress(_socket) : BindPortable(_socket);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>The refused port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Releases the port.</summary>
    public void Dispose() => _socket.Dispose();

    private static int BindWithoutReuseAddress(Socket socket)
    {
        var address = new byte[SockaddrInLength];
        MemoryMarshal.Write(address, (ushort)AddressFamily.InterNetwork);
        IPAddress.Loopback.TryWriteBytes(address.AsSpan(4, 4), out _);
        if (Native.Bind(socket.SafeHandle, address, address.Length) != 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        // The runtime did not see this bind, so Socket.LocalEndPoint stays null: ask the kernel.
        var length = address.Length;
        if (Native.GetSockName(socket.SafeHandle, address, ref length) != 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        return BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2, 2));
    }

    // Elsewhere (the suite runs on Linux) the runtime's bind: Windows sets no SO_REUSEADDR.
    private static int BindPortable(Socket socket)
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
        public static extern int Bind(SafeSocketHandle socket, byte[] address, int addressLength);

        [DllImport("libc", EntryPoint = "getsockname", SetLastError = true)]
        public static extern int GetSockName(SafeSocketHandle socket, byte[] address, ref int addressLength);
    }
}
