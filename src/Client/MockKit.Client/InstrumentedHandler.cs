using System.Net;
using System.Security.Cryptography.X509Certificates;
using MockKit.Client.Connections;
using MockKit.Tls;

namespace MockKit.Client;

/// <summary>
/// A complete HTTP/1.1 and HTTP/2 client as an <see cref="HttpMessageHandler"/>, with its own
/// <see cref="ConnectionPool"/> whose state tests can assert on, an <see cref="EventListener"/>
/// for every phase of a call, and <see cref="HttpResponseMessageExtensions.GetExchange"/> on every
/// response. Response content is streamed: the connection returns to the pool when the body has
/// been read to the end or the response is disposed.
/// </summary>
/// <remarks>
/// Settings freeze at the first send (a later set throws <see cref="InvalidOperationException"/>),
/// as with <see cref="SocketsHttpHandler"/>; the pool may be inspected and evicted at any time.
/// Sending is thread-safe. HTTP/2 is chosen by ALPN over TLS or, for http URLs, by prior knowledge;
/// the rule combining <see cref="Protocols"/> with each request's version is on <see cref="Protocols"/>.
/// Concurrent calls to one HTTP/2 origin share one connection up to the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS.
/// </remarks>
public sealed partial class InstrumentedHandler : HttpMessageHandler
{
    /// <summary>The most informational (1xx) responses accepted before the final response of one exchange, on HTTP/1.1 and HTTP/2.</summary>
    internal const int MaxInformationalResponses = 128;

    private readonly Lock _lock = new();
    private ConnectionPool? _pool;
    private bool _sharedPool;
    private int _frozen; // Written under _lock; read without it (volatile) on every send.
    private bool _retryOnConnectionFailure = true;
    private IDns _dns = SystemDns.Instance;
    private IWebProxy? _proxy;
    private HandshakeCertificates? _certificates;
    private Func<string, X509Certificate2, bool>? _hostnameVerifier;
    private IReadOnlyList<Protocol> _protocols = [Protocol.Http2, Protocol.Http11];
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _readTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _writeTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _callTimeout = Timeout.InfiniteTimeSpan;
    private TimeSpan _expectContinueTimeout = TimeSpan.FromSeconds(1);
    private bool _followRedirects = true;
    private EventListener _eventListener = EventListener.None;
    private Address? _lastAddress; // The address of the latest request; read and replaced without a lock (any value is valid).
    private int _disposed; // 1 once Dispose ran; read on every send (volatile).

    /// <summary>The pool connections live in: a new one (on <see cref="TimeProvider"/>) unless one is shared in.
    /// May be shared between handlers; connections are shared only between handlers configured with the same
    /// proxy, certificates and hostname verifier objects.</summary>
    public ConnectionPool Pool
    {
        get => _pool ?? Interlocked.CompareExchange(ref _pool, new ConnectionPool(timeProvider: TimeProvider), null) ?? _pool!;
        init
        {
            _pool = value ?? throw new ArgumentNullException(nameof(value));
            _sharedPool = true;
        }
    }

    /// <summary>The clock for timeouts, event timestamps and (for a pool it creates) idle times. Default: system time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether a request is replayed on a fresh connection when a reused connection fails before any
    /// byte of the response arrived, or a fresh one fails and another route remains, and whether a
    /// failed connect moves on to the next route. Only requests whose body can be replayed (none,
    /// or <see cref="ByteArrayContent"/>-based) are retried; protocol errors, timeouts and
    /// cancellations never are. Default true. With false the original exception surfaces.
    /// </summary>
    public bool RetryOnConnectionFailure { get => _retryOnConnectionFailure; set => Set(ref _retryOnConnectionFailure, value); }

    /// <summary>The resolver; each returned address is a route, tried in order. Default: the system resolver.</summary>
    public IDns Dns { get => _dns; set => Set(ref _dns, value ?? throw new ArgumentNullException(nameof(value))); }

    /// <summary>The HTTP proxy (null, the default, for direct connections). <see cref="IWebProxy.IsBypassed"/> is honoured;
    /// http URLs go in absolute form to it, https URLs and http upgrades (a <c>ws://</c> WebSocket, as RFC 6455 section 4.1
    /// asks) through a CONNECT tunnel; a 407 is answered once with
    /// <c>Proxy-Authorization: Basic</c> from <see cref="IWebProxy.Credentials"/>.</summary>
    public IWebProxy? Proxy { get => _proxy; set => Set(ref _proxy, value); }

    /// <summary>Trusted roots and the client certificate for TLS; null (the default) for the system trust store and no client certificate.</summary>
    public HandshakeCertificates? Certificates { get => _certificates; set => Set(ref _certificates, value); }

    /// <summary>Replaces the RFC 6125 hostname check (the chain is still validated): called with the host and the
    /// server's leaf certificate. Null (the default) for strict hostname verification.</summary>
    public Func<string, X509Certificate2, bool>? HostnameVerifier { get => _hostnameVerifier; set => Set(ref _hostnameVerifier, value); }

    /// <summary>
    /// Protocols this handler may use, default <c>[Http2, Http11]</c>; not empty.
    /// </summary>
    /// <remarks>
    /// <para>https: ALPN offers <c>h2</c> when the list has <see cref="Protocol.Http2"/> and <c>http/1.1</c> when it
    /// has <see cref="Protocol.Http11"/>; the server's choice decides. http: HTTP/2 with prior knowledge when the list
    /// has <see cref="Protocol.H2PriorKnowledge"/> (alone, or the request asks for 2.0), otherwise HTTP/1.1.</para>
    /// <para>Per request: <see cref="HttpRequestMessage.Version"/> 2.0 with <see cref="HttpVersionPolicy.RequestVersionExact"/>
    /// or <see cref="HttpVersionPolicy.RequestVersionOrHigher"/> must get HTTP/2 (https: <see cref="Protocol.Http2"/> must be
    /// listed and the server must choose <c>h2</c>; http: prior knowledge, with <see cref="Protocol.Http2"/> or
    /// <see cref="Protocol.H2PriorKnowledge"/> listed, as <c>SocketsHttpHandler</c> does), and 1.x with
    /// <see cref="HttpVersionPolicy.RequestVersionExact"/> must get HTTP/1.1; otherwise the call fails with an
    /// <see cref="HttpRequestException"/> (<see cref="HttpRequestError.VersionNegotiationError"/>) — never a silent
    /// downgrade. Other requests (HttpClient's default 1.1 / <see cref="HttpVersionPolicy.RequestVersionOrLower"/>) follow
    /// the list. HTTP/2 responses have <see cref="HttpResponseMessage.Version"/> 2.0.</para>
    /// </remarks>
    public IReadOnlyList<Protocol> Protocols
    {
        get => _protocols;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0)
            {
                throw new ArgumentException("Protocols must list at least one protocol.", nameof(value));
            }

            Set(ref _protocols, [.. value]);
        }
    }

    /// <summary>Limit for TCP connect plus tunnel and TLS handshake, per route. Default 10 s; positive or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public TimeSpan ConnectTimeout { get => _connectTimeout; set => Set(ref _connectTimeout, CheckTimeout(value)); }

    /// <summary>Limit for each socket read (response head and each body read). Default 10 s; positive or infinite.</summary>
    public TimeSpan ReadTimeout { get => _readTimeout; set => Set(ref _readTimeout, CheckTimeout(value)); }

    /// <summary>Limit for each socket write and, on HTTP/2, for each wait for flow-control credit to send request body
    /// bytes (a server that grants no window fails the upload instead of holding it forever). Default 10 s; positive or infinite.</summary>
    public TimeSpan WriteTimeout { get => _writeTimeout; set => Set(ref _writeTimeout, CheckTimeout(value)); }

    /// <summary>Limit for a whole call, from the start to the end of the final response body, redirects and retries included
    /// (for a WebSocket, to the end of its opening handshake: the open WebSocket is its owner's). Default infinite. Expiry cancels the call (a <see cref="TaskCanceledException"/> with a <see cref="TimeoutException"/> inside).</summary>
    public TimeSpan CallTimeout { get => _callTimeout; set => Set(ref _callTimeout, CheckTimeout(value)); }

    /// <summary>How long to wait for <c>100 Continue</c> before sending the body anyway. Default 1 s; positive or infinite.</summary>
    public TimeSpan ExpectContinueTimeout { get => _expectContinueTimeout; set => Set(ref _expectContinueTimeout, CheckTimeout(value)); }

    /// <summary>Whether 301/302/303/307/308 are followed (at most 20 follow-ups; https to http is not followed).
    /// Default true, like <see cref="HttpClientHandler.AllowAutoRedirect"/>.</summary>
    public bool FollowRedirects { get => _followRedirects; set => Set(ref _followRedirects, value); }

    /// <summary>Receives every phase of every call. Default: <see cref="EventListener.None"/>.</summary>
    public EventListener EventListener { get => _eventListener; set => Set(ref _eventListener, value ?? throw new ArgumentNullException(nameof(value))); }

    internal RouteDatabase RouteDatabase { get; } = new();

    internal ConnectionSettings ConnectionSettings { get; private set; } = null!;

    internal ExchangeSettings ExchangeSettings { get; private set; } = null!;

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The handler was disposed: as with <see cref="SocketsHttpHandler"/>, a
    /// disposed handler sends nothing (an <c>IHttpClientFactory</c> chain that outlived its primary handler fails loudly
    /// instead of opening a fresh connection behind the pool's back).</exception>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (request.RequestUri is { IsAbsoluteUri: true } webSocketUri && (webSocketUri.Scheme == Uri.UriSchemeWs || webSocketUri.Scheme == Uri.UriSchemeWss))
        {
            // ClientWebSocket sends its opening handshake with the ws/wss URI itself. RFC 6455 section 3
            // defines them as http/https (same host, same default ports 80/443, TLS for wss), so the
            // request goes on as the http(s) URI it stands for, to the same pool address.
            request.RequestUri = new UriBuilder(webSocketUri)
            {
                Scheme = webSocketUri.Scheme == Uri.UriSchemeWss ? Uri.UriSchemeHttps : Uri.UriSchemeHttp,
                Port = webSocketUri.Port,
            }.Uri;
        }

        if (request.RequestUri is not { IsAbsoluteUri: true } uri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The request URI must be an absolute http, https, ws or wss URI.", nameof(request));
        }

        Freeze();
        return new Call(this, request, cancellationToken).ExecuteAsync();
    }

    /// <summary>Not supported: this handler is asynchronous only (no sync-over-async).</summary>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("InstrumentedHandler is asynchronous only: use SendAsync.");

    /// <summary>
    /// Closes every connection of a pool this handler created, busy ones included (as
    /// <see cref="SocketsHttpHandler"/> does): a call still uploading, waiting for a response or
    /// streaming a body fails with a connection error, and each connection leaves the pool as its last
    /// exchange ends. A shared pool (<see cref="Pool"/> set at init) is left to its other users.
    /// Later sends throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Volatile.Write(ref _disposed, 1);
        }

        if (disposing && !_sharedPool && _pool is { } pool)
        {
            pool.CloseAll();
        }

        if (disposing)
        {
            DisposeObservability();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// The pool address for <paramref name="uri"/> (<paramref name="tunnel"/>: see <see cref="Address.WantsTunnel"/>).
    /// Calls to one origin in a row (the common case) share one <see cref="Address"/> instead of building
    /// an equal record per call; settings are frozen by then, so only the scheme, host, port and tunnel
    /// mark can differ.
    /// </summary>
    internal Address AddressFor(Uri uri, bool tunnel)
    {
        var last = Volatile.Read(ref _lastAddress);
        if (last is not null && last.Port == uri.Port && last.Tunnel == tunnel && last.Scheme == uri.Scheme && last.Host == uri.IdnHost)
        {
            return last;
        }

        var fresh = Address.From(uri, this, tunnel);
        Volatile.Write(ref _lastAddress, fresh);
        return fresh;
    }

    private static TimeSpan CheckTimeout(TimeSpan value)
    {
        if (value != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
        }

        return value;
    }

    private void Freeze()
    {
        if (Volatile.Read(ref _frozen) != 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_frozen != 0)
            {
                return;
            }

            ConnectionSettings = new ConnectionSettings(_connectTimeout, _certificates, _hostnameVerifier, _protocols, _proxy, _dns);
            // The client only ever sees the guarded listener: see EventListener's remarks for the policy.
            var observed = ObservedListener(_eventListener);
            EventListener listener = ReferenceEquals(observed, EventListener.None) ? observed : new GuardedEventListener(observed, Pool);
            ExchangeSettings = new ExchangeSettings(_readTimeout, _writeTimeout, _expectContinueTimeout, TimeProvider, listener);
            listener.AttachClock(TimeProvider);
            FreezeObservability();
            _ = Pool;
            Volatile.Write(ref _frozen, 1);
        }
    }

    private void Set<T>(ref T field, T value)
    {
        if (Volatile.Read(ref _frozen) != 0)
        {
            throw new InvalidOperationException("InstrumentedHandler settings cannot change after the first request was sent.");
        }

        field = value;
    }
}
