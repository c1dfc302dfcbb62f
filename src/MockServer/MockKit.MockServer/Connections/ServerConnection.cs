using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MockKit.MockServer.Diagnostics;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Http1;
using MockKit.MockServer.Http2;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;
using MockKit.Transport;

namespace MockKit.MockServer.Connections;

/// <summary>
/// One accepted socket, from accept to close. It applies connection-level start policies
/// (before anything is read, and before TLS), performs the TLS handshake when the server is
/// HTTPS, picks the protocol (ALPN, prior knowledge, or HTTP/1) and hands the transport to
/// that protocol's session. It owns the socket and the per-connection sequence counter.
/// </summary>
/// <remarks>
/// One task runs each connection; nothing here is shared with other connections except the
/// server, so a stalled connection never blocks another. <see cref="Abort"/> may be called
/// from any thread (server shutdown) and only disposes the socket, which ends any pending I/O.
/// </remarks>
internal sealed partial class ServerConnection : ISocketEffectTarget
{
    private readonly Socket _socket;
    private int _nextSequence;
    private volatile string _state = "accepted";

    public ServerConnection(MockWebServer server, Socket socket, int index)
    {
        Server = server;
        _socket = socket;
        Index = index;
        Transport = new NetworkStream(socket, ownsSocket: true);
        RemoteEndPoint = socket.RemoteEndPoint;
        RecordingContext = new RecordingContext(index, null, server.Authority);
    }

    public MockWebServer Server { get; }

    /// <summary>Server-wide index of this accepted socket (0 for the first).</summary>
    public int Index { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The byte stream: the socket, or TLS over it once a handshake is done.</summary>
    public Stream Transport { get; private set; }

    /// <summary>The current TLS handshake, null while cleartext.</summary>
    public TlsHandshake? Handshake { get; private set; }

    public string Scheme => Handshake is null ? "http" : "https";

    /// <summary>What the requests recorded on this connection share (index, handshake, server authority); replaced when TLS starts.</summary>
    public RecordingContext RecordingContext { get; private set; }

    /// <summary>Cancelled when the server shuts down.</summary>
    public CancellationToken ShutdownToken => Server.ShutdownToken;

    /// <summary>What the connection is doing, for shutdown diagnostics.</summary>
    public string State
    {
        get => _state;
        set => _state = value;
    }

    /// <summary>The request line being served, for shutdown diagnostics.</summary>
    public string? CurrentRequestLine { get; set; }

    /// <summary>Whether <c>mockkit.server.open_connections</c> counted this connection when it was accepted (fixed at birth).</summary>
    public bool CountedOpen { get; set; }

    /// <summary>The next per-connection sequence number; thread-safe (HTTP/2 numbers streams and pushes from several tasks).</summary>
    public int NextSequenceNumber() => Interlocked.Increment(ref _nextSequence) - 1;

    /// <summary>
    /// Restarts the count at 0: an HTTP/2 session that follows a CONNECT + TLS upgrade numbers its
    /// streams from 0, the CONNECT before the TLS upgrade not counted (the rule <see cref="RecordedRequest.SequenceNumber"/> documents).
    /// </summary>
    public void ResetSequenceNumbers() => Interlocked.Exchange(ref _nextSequence, 0);

    public async Task RunAsync()
    {
        try
        {
            Log($"accepted from {RemoteEndPoint}");
            if (await ServerExchange.ApplyAtConnectionStartAsync(this).ConfigureAwait(false))
            {
                return;
            }

            var protocol = await NegotiateAsync().ConfigureAwait(false);
            if (protocol is null)
            {
                return;
            }

            if (protocol is Protocol.Http2 or Protocol.H2PriorKnowledge)
            {
                using var session = new Http2ServerSession(this, protocol.Value);
                await session.RunAsync().ConfigureAwait(false);
                return;
            }

            if (await new Http1ServerSession(this).RunAsync().ConfigureAwait(false))
            {
                // UpgradeToSslAtEnd inside a CONNECT tunnel negotiated h2 by ALPN: same socket, HTTP/2 now.
                ResetSequenceNumbers();
                using var session = new Http2ServerSession(this, Protocol.Http2);
                await session.RunAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsQuiet(e))
        {
            Log($"closed: {e.GetType().Name}: {e.Message}");
        }
        catch (Exception e)
        {
            // Never let anything escape a connection task: log loudly and close.
            Log($"FAILED with an unexpected error: {e}");
        }
        finally
        {
            State = "closed";
            await Transport.DisposeAsync().ConfigureAwait(false);
            _socket.Dispose();
            Server.OnConnectionClosed(this);
        }
    }

    /// <summary>
    /// Set by a session that can say goodbye before the socket is aborted (HTTP/2: GOAWAY); server
    /// shutdown awaits it briefly, then aborts regardless.
    /// </summary>
    public Func<Task>? GracefulShutdown { get; set; }

    /// <summary>Disposes the socket, ending any pending read or write (server shutdown).</summary>
    public void Abort() => _socket.Dispose();

    /// <summary>
    /// Records input that never became an exchange (a malformed head, a plaintext request on the TLS
    /// port, a refused stream): it is not dispatched, so its outcome is final now. Every exchange is
    /// recorded by the pipeline (<see cref="ServerExchange"/>).
    /// </summary>
    public void RecordRejected(RecordedRequest request) => Server.Record(request);

    /// <summary>Records an HTTP/2 push promise: an exchange the server started itself, with no request to dispatch.</summary>
    public void RecordPushed(RecordedRequest request) => Server.Record(request);

    /// <summary>A line of this connection, <c>[conn N] text</c>, formatted only when someone listens.</summary>
    public void Log([InterpolatedStringHandlerArgument("")] ref TrafficLogLine line) => Server.Log(Index, ref line);

    public void Log(string line) => Server.Log(Index, line);

    public override string ToString() =>
        $"connection {Index} from {RemoteEndPoint}: {State}{(CurrentRequestLine is null ? string.Empty : $" ('{CurrentRequestLine}')")}";

    /// <summary>Swaps the transport, e.g. for TLS after UpgradeToSslAtEnd.</summary>
    internal void UpgradeTransport(Stream transport, TlsHandshake handshake)
    {
        Transport = transport;
        Handshake = handshake;
        RecordingContext = RecordingContext with { Handshake = handshake };
    }

    // ISocketEffectTarget for HTTP/1: every stream-level effect ends the connection.
    public async ValueTask CloseSocketAsync()
    {
        ClosedByPolicy = true;
        State = "closed by policy";
        try
        {
            await Transport.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The point is to close; a failed flush changes nothing.
        }

        CloseInStages();
    }

    /// <summary>
    /// Closes so that what was written arrives whole. Closing a socket whose receive buffer holds
    /// bytes the server never read sends a TCP reset instead of a FIN (RFC 1122 section 4.2.2.13),
    /// and a reset can reach the peer before it has taken in the response: an HTTP/2 client whose
    /// WINDOW_UPDATE or SETTINGS ACK was still in flight then loses the whole connection's
    /// responses. So, as RFC 9112 section 9.6 advises for a server's close, the sending side is
    /// shut first (the FIN follows the last byte written) and what the peer already sent is
    /// discarded before the socket is released.
    /// </summary>
    private void CloseInStages()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            Span<byte> discard = stackalloc byte[1024];
            while (_socket.Available > 0 && _socket.Receive(discard, SocketFlags.None) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed by the peer: nothing is left to protect.
        }

        _socket.Close();
    }

    /// <summary>True once the server closed the socket on purpose (a policy, a broken-off duplex response): what fails after it is not the client's doing.</summary>
    public bool ClosedByPolicy { get; private set; }

    /// <summary>
    /// True once a policy shut the socket's input down. Linux still delivers bytes that arrive
    /// after SHUT_RD, so the HTTP/1 loop consults this flag instead of trusting the next read to
    /// return end of stream: the connection reads nothing more, as the policy promises.
    /// </summary>
    public bool InputShutDown { get; private set; }

    public void ShutdownSocket(bool input, bool output)
    {
        if (input)
        {
            InputShutDown = true;
            _socket.Shutdown(SocketShutdown.Receive);
        }

        if (output)
        {
            ClosedByPolicy = true; // A write that fails from here on fails by our hand.
            _socket.Shutdown(SocketShutdown.Send);
        }
    }

    public ValueTask ShutdownConnectionAsync() => CloseSocketAsync();

    public ValueTask CloseStreamAsync(Http2ErrorCode code) => CloseSocketAsync();

    public async Task StallAsync(CancellationToken cancellationToken)
    {
        State = "stalled by policy";
        await Task.Delay(Timeout.InfiniteTimeSpan, Server.TimeProvider, ShutdownToken).ConfigureAwait(false);
    }

    public void ShutdownServer() => Server.ShutdownFromPolicy();

    /// <summary>Names where an effect came from: the policy, or the explicit trigger property.</summary>
    internal static string DescribeSource(MockResponse response, SocketEffect? explicitEffect) =>
        explicitEffect is null ? response.SocketPolicy.Name : "explicit trigger";

    // The connection ended (the one definition both ends share), or the exchange was ended on purpose:
    // by a policy, or because a relayed upstream body broke its framing (already recorded as a failure).
    private static bool IsQuiet(Exception e) =>
        TransportFailure.IsConnectionEnd(e) || e is ExchangeTerminatedException or Streaming.UpstreamBodyException;
}
