using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MockKit.Http1;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer;

/// <summary>
/// A scriptable web server on a real loopback socket. Enqueue responses (or install a
/// <see cref="Dispatcher"/>), point the code under test at <see cref="Url"/>, then take the
/// <see cref="RecordedRequest"/>s back out and assert on them.
/// </summary>
/// <remarks>
/// <para>Binds 127.0.0.1 on an ephemeral port unless told otherwise, so nothing outside the
/// machine can reach it. Each accepted socket is served on its own task; a slow or stalled
/// connection never blocks another.</para>
/// <para>Thread-safety: every member may be called from any thread. Connection-shaping
/// settings (<see cref="Protocols"/>, TLS, limits) are frozen once the server starts and a
/// later set throws <see cref="InvalidOperationException"/>.</para>
/// <para>Shutdown (<see cref="ShutdownAsync"/>, <see cref="DisposeAsync"/>) closes the listener and
/// every connection, releases waiting dispatches and <see cref="TakeRequestAsync"/> callers, and
/// waits at most <see cref="ShutdownTimeout"/> for connection tasks before reporting which are stuck.</para>
/// </remarks>
public sealed partial class MockWebServer : IAsyncDisposable, IDisposable
{
    private readonly Lock _lock = new();

    private readonly RecordedRequestQueue _recorded = new();

    private readonly CancellationTokenSource _shutdown = new();

    private readonly ConcurrentDictionary<ServerConnection, Task> _connections = new();

    private Socket? _listener; // Guarded by _lock (written once at start).
    private Task? _acceptLoop; // Guarded by _lock.
    private Task? _shutdownTask; // Guarded by _lock.
    private string? _authority; // Written once at start, under _lock; kept after shutdown.
    private int _port; // Written once at start, under _lock; kept after shutdown.
    private volatile Dispatcher _dispatcher = new QueueDispatcher();

    private int _connectionCount;

    private long _bodyLimit = DefaultBodyLimit;

    private IReadOnlyList<Protocol> _protocols = [Protocol.Http2, Protocol.Http11];

    private bool _protocolNegotiationEnabled = true;

    /// <summary>Creates a server; nothing is bound until <see cref="Start"/> (or the first use of <see cref="Port"/>/<see cref="Url"/>).</summary>
    public MockWebServer()
    {
    }

    /// <summary>The address to bind; <see cref="IPAddress.Loopback"/> (127.0.0.1) by default.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Clock and timers for delays, throttles and stalls; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long <see cref="TakeRequest()"/> waits before throwing; 10 seconds by default.</summary>
    public TimeSpan TakeRequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long shutdown (and the end of an HTTP/2 connection) waits for connection and exchange tasks
    /// before reporting them; 5 seconds by default. Always real time, whatever <see cref="TimeProvider"/>
    /// is: a frozen test clock must never make shutdown wait forever.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest HTTP/1 request head (request line + fields) accepted; 64 KiB by default. Larger heads get 431.</summary>
    public int MaxRequestHeadBytes { get; init; } = Http1Limits.Default.MaxHeadBytes;

    /// <summary>Most header fields accepted in one request; 200 by default. More get 431.</summary>
    public int MaxRequestHeaderCount { get; init; } = Http1Limits.Default.MaxHeaderCount;

    /// <summary>
    /// Receives one line per thing the server saw or did (accepts, request lines, responses,
    /// policies, failures). Called on server threads; exceptions it throws are swallowed so a
    /// broken log cannot break the server. Null (the default) logs nothing.
    /// </summary>
    public Action<string>? TrafficLog { get; set; }

    /// <summary>Answers requests; a <see cref="QueueDispatcher"/> by default. May be replaced at any time.</summary>
    public Dispatcher Dispatcher
    {
        get => _dispatcher;
        set => _dispatcher = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The default <see cref="BodyLimit"/>: 4 MiB retained per request body.</summary>
    public const long DefaultBodyLimit = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of each request body retained in <see cref="RecordedRequest.Body"/>; the rest is
    /// counted in <see cref="RecordedRequest.BodySize"/> but not kept, and the upload goes on
    /// normally (HTTP/2 flow-control credit is returned for discarded bytes as for kept ones).
    /// <see cref="DefaultBodyLimit"/> (4 MiB) by default, so a test that streams a large upload
    /// pays for 4 MiB, not for the upload; 0 keeps nothing; <see cref="long.MaxValue"/> keeps
    /// everything up to the largest array .NET allows (about 2 GiB). Read when each request
    /// starts, so a change applies to the next request. Safe to set from any thread.
    /// </summary>
    public long BodyLimit
    {
        get => Interlocked.Read(ref _bodyLimit);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Interlocked.Exchange(ref _bodyLimit, value);
        }
    }

    /// <summary>
    /// Protocols served, in preference order: <c>[Http2, Http11]</c> by default (offered by ALPN
    /// over TLS); <c>[H2PriorKnowledge]</c> for cleartext HTTP/2. Frozen at start.
    /// </summary>
    public IReadOnlyList<Protocol> Protocols
    {
        get => _protocols;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0)
            {
                throw new ArgumentException("At least one protocol is needed.", nameof(value));
            }

            if (value.Contains(Protocol.H2PriorKnowledge) && value.Count > 1)
            {
                throw new ArgumentException("H2PriorKnowledge cannot be combined with other protocols: a cleartext connection cannot negotiate.", nameof(value));
            }

            if (value.Contains(Protocol.Http10))
            {
                throw new ArgumentException("Http10 is served as part of Http11; list Http11 instead.", nameof(value));
            }

            ThrowIfStarted();
            _protocols = [.. value];
        }
    }

    /// <summary>Whether TLS connections negotiate the protocol with ALPN; true by default. Frozen at start.</summary>
    public bool ProtocolNegotiationEnabled
    {
        get => _protocolNegotiationEnabled;
        set
        {
            ThrowIfStarted();
            _protocolNegotiationEnabled = value;
        }
    }

    /// <summary>
    /// The host name to put in URLs: the bound address (127.0.0.1 by default). Starts the server
    /// if needed; stays readable after shutdown.
    /// </summary>
    public string HostName
    {
        get
        {
            EnsureStarted();
            return ListenAddress.ToString();
        }
    }

    /// <summary>
    /// The bound port. Starts the server if needed (safe to race from several threads); stays
    /// readable after shutdown.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server was shut down before it ever started.</exception>
    public int Port
    {
        get
        {
            EnsureStarted();
            return _port;
        }
    }

    /// <summary>The server's address as a plain-HTTP proxy (<c>http://127.0.0.1:port</c>). Starts the server if needed.</summary>
    public Uri ProxyAddress => new($"http://{Authority}");

    /// <summary>Requests received so far, CONNECTs, failed attempts and bookkeeping entries included.</summary>
    public int RequestCount => _recorded.ReceivedCount;

    /// <summary>The scripted responses not yet served, when the dispatcher is a <see cref="QueueDispatcher"/>; otherwise 0.</summary>
    public int PendingResponseCount => _dispatcher is QueueDispatcher queue ? queue.PendingCount : 0;

    /// <summary>
    /// True once the listening socket is closed (tests: a connect to the old port cannot prove it,
    /// as another process may already have bound that port again).
    /// </summary>
    internal bool IsListenerClosed
    {
        get
        {
            lock (_lock)
            {
                return _listener is not null && _listener.SafeHandle.IsClosed;
            }
        }
    }

    /// <summary>True once started and not yet shut down.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _listener is not null && _shutdownTask is null;
            }
        }
    }

    /// <summary>
    /// Cancelled when the server begins to shut down: <see cref="ShutdownAsync"/>, <see cref="DisposeAsync"/>,
    /// <see cref="Dispose"/>, or a <see cref="SocketPolicy.ShutdownServerAfterResponse"/> response. A program
    /// hosting the server waits on it to end when the server does (then awaits <see cref="ShutdownAsync"/>
    /// for the end of shutdown); background work tied to the server stops on it. A callback registered
    /// on it must not throw: shutdown reports that as a failure of user code.
    /// </summary>
    public CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>
    /// Accepts one socket from the listener; a test seam (e.g. to inject descriptor exhaustion).
    /// Set before start; the default is <see cref="Socket.AcceptAsync(CancellationToken)"/>.
    /// </summary>
    internal Func<Socket, CancellationToken, ValueTask<Socket>> AcceptSocket { get; init; } = static (listener, ct) => listener.AcceptAsync(ct);

    internal Http1Limits RequestLimits => new(MaxRequestHeadBytes, MaxRequestHeaderCount, Math.Min(MaxRequestHeadBytes, Http1Limits.Default.MaxStartLineBytes));

    /// <summary><c>host:port</c> of this server, bracketing IPv6 literals. Starts the server if needed.</summary>
    internal string Authority
    {
        get
        {
            EnsureStarted();
            return _authority!;
        }
    }

    /// <summary>The protocol recorded for bookkeeping entries made before negotiation.</summary>
    internal Protocol DefaultCleartextProtocol => _protocols[0] == Protocol.H2PriorKnowledge ? Protocol.H2PriorKnowledge : Protocol.Http11;

    /// <summary>
    /// The URL of <paramref name="path"/> on this server; https once <see cref="UseHttps"/> was
    /// called. Starts the server if needed; stays readable after shutdown.
    /// </summary>
    /// <param name="path">A path such as <c>/a?b=c</c> (a leading slash is added when missing).</param>
    /// <returns>The URL.</returns>
    public Uri Url(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var scheme = Certificates is null ? "http" : "https";
        return new Uri($"{scheme}://{Authority}{(path.StartsWith('/') ? path : "/" + path)}");
    }

    /// <summary>An <see cref="IWebProxy"/> that sends every request through this server.</summary>
    /// <returns>The proxy.</returns>
    public IWebProxy ToProxy() => new WebProxy(ProxyAddress) { BypassProxyOnLocal = false };

    /// <summary>Appends a response to the default <see cref="QueueDispatcher"/>.</summary>
    /// <param name="response">The response.</param>
    /// <exception cref="InvalidOperationException">The dispatcher was replaced by one that is not a queue.</exception>
    public void Enqueue(MockResponse response)
    {
        if (_dispatcher is not QueueDispatcher queue)
        {
            throw new InvalidOperationException($"Enqueue needs a QueueDispatcher, but the dispatcher is a {_dispatcher.GetType().Name}.");
        }

        queue.Enqueue(response);
    }

    /// <summary>
    /// The next recorded request, waiting up to <see cref="TakeRequestTimeout"/> for it.
    /// </summary>
    /// <returns>The request.</returns>
    /// <exception cref="TimeoutException">None arrived in time; the message says how many did arrive.</exception>
    public RecordedRequest TakeRequest() =>
        TakeRequest(TakeRequestTimeout) ?? throw new TimeoutException(
            $"No request arrived within {TakeRequestTimeout.TotalSeconds:0.###} s. The server received {RequestCount} request(s) in all, and all of them were already taken"
            + (IsRunning ? "." : "; it has shut down."));

    /// <summary>The next recorded request, or null when none arrives within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The request, or null.</returns>
    public RecordedRequest? TakeRequest(TimeSpan timeout) => _recorded.Take(timeout);

    /// <summary>The next recorded request, waiting as long as <paramref name="cancellationToken"/> allows.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The request.</returns>
    /// <exception cref="InvalidOperationException">The server shut down and every request was taken.</exception>
    public ValueTask<RecordedRequest> TakeRequestAsync(CancellationToken cancellationToken = default) =>
        _recorded.TakeAsync(cancellationToken);

    /// <summary>Records an entry that is not dispatched (its outcome is final now) and observes it.</summary>
    internal void Record(RecordedRequest request)
    {
        _recorded.Add(request);
        ObserveOutcome(request);
    }

    /// <summary>
    /// Records a request about to be dispatched: <see cref="TakeRequest()"/> sees it at once, but the
    /// meter and the logger wait for its outcome (a route miss, a forward's 502, a refused WebSocket
    /// handshake set <see cref="RecordedRequest.Failure"/> later); see <see cref="ObserveDispatched"/>.
    /// </summary>
    internal void RecordForDispatch(RecordedRequest request) => _recorded.Add(request);
}
