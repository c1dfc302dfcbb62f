using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;

namespace MockKit.Transport;

/// <summary>
/// The one definition, for both ends, of a failure that only says "the transport went away": the
/// peer closed or reset the socket, a policy or shutdown disposed it, a TLS handshake was refused,
/// or the operation was cancelled. Connection loops end such a connection quietly (a line in the
/// traffic log); anything else is a bug or an unforeseen case and is logged loudly.
/// </summary>
public static class TransportFailure
{
    /// <summary>True when <paramref name="e"/> means the connection ended rather than that something went wrong in our code.</summary>
    /// <remarks>A <see cref="ChannelClosedException"/> counts because a writer loop's queue closes with its connection.</remarks>
    public static bool IsConnectionEnd(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException
            or ChannelClosedException or AuthenticationException;

    /// <summary>
    /// <see cref="IsConnectionEnd"/> for a loop that only moves bytes (an HTTP/2 reader or writer
    /// loop): there a <see cref="NotSupportedException"/> also means the transport is gone, because
    /// <see cref="System.Net.Security.SslStream"/> throws it for I/O on a stream closed under it.
    /// Code that runs user callbacks (dispatchers, handlers) must not use this: a user's
    /// <see cref="NotSupportedException"/> is a failure to report, not a closed socket.
    /// </summary>
    public static bool IsTransportLoopEnd(Exception e) => IsConnectionEnd(e) || e is NotSupportedException;
}
