using System.Text;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer;

/// <summary>
/// One exchange the server attempted, as it saw it: request line, headers, body, where on
/// which connection it arrived, and — for attempts that went wrong or were cut short by a
/// policy — the <see cref="Failure"/>. Immutable and safe to share.
/// </summary>
/// <remarks>
/// <para><b>Sequence numbers.</b> Per connection, from 0. On HTTP/1.1 every request read on the
/// socket counts, a CONNECT before a TLS upgrade included (through a tunnel the CONNECT is 0 and
/// the first tunnelled request 1). On HTTP/2 the count starts at 0 with the first stream and
/// counts every stream and push promise.</para>
/// <para><b>HTTP/2.</b> One stream is one exchange. <see cref="RequestLine"/> is synthesised as
/// <c>METHOD path HTTP/2</c> (CONNECT: <c>CONNECT authority HTTP/2</c>); <see cref="Target"/> is
/// <c>:path</c>; <see cref="Url"/> is built from <c>:scheme</c>, <c>:authority</c> and <c>:path</c>.
/// <see cref="Headers"/> holds the regular fields only, in wire order and lower case as HTTP/2
/// sends them: pseudo-header fields are kept out (as OkHttp does) and <c>:authority</c> is not
/// copied into a <c>Host</c> field (a client that sent <c>host</c> has it recorded as sent); read
/// the authority from <see cref="Url"/>. <see cref="Protocol"/> is
/// <see cref="MockKit.Protocol.Http2"/> over TLS (ALPN h2, also inside an upgraded CONNECT
/// tunnel) and <see cref="MockKit.Protocol.H2PriorKnowledge"/> over cleartext. Each server push
/// is recorded as its own request (its promised request's line and headers, with
/// <see cref="Failure"/> set when the client had disabled push and nothing was sent).
/// Malformed requests (RFC 9113 section 8.1.1), streams refused over MAX_CONCURRENT_STREAMS and
/// requests the client reset before their end are recorded with <see cref="Failure"/> set.</para>
/// <para><b>Bookkeeping entries.</b> A connection-level policy that consumes a scripted response
/// without reading a request (<see cref="SocketPolicy.DisconnectAtStart"/>,
/// <see cref="SocketPolicy.FailHandshake"/>, <see cref="SocketPolicy.StallSocketAtStart"/>) still
/// records an entry: empty <see cref="RequestLine"/> and <see cref="Method"/>, <see cref="Failure"/> naming the policy.</para>
/// </remarks>
public sealed class RecordedRequest
{
    // Memory layout (a test that never takes its requests keeps every one of them): the raw
    // HTTP/1 head bytes, HTTP/2's validated field section or an already materialised RecordedHead,
    // a per-connection context shared by all its requests, and rarely-set parts out of line (the
    // body among them: most recorded requests are GETs). The request line, the Uri and the header
    // array are made on first access.
    private readonly RecordingContext _context;
    private readonly RecordedExtras? _extras;
    private object _head; // byte[] (raw HTTP/1 head) or DeferredHead (HTTP/2) until first read, then RecordedHead.
    private Exception? _failure; // Set by a dispatcher's verdict during dispatch (a route miss), hence not in _extras.
    // The protocol and the observation flag are bytes so that they share the 8 bytes after the
    // four references with SequenceNumber: the object stays at 56 bytes, as it was before the flag.
    private readonly byte _protocol;
    private byte _observed; // 1 once TryClaimObservation said yes.

    /// <summary>
    /// The one constructor, called only by <see cref="RecordedRequestFactory"/>.
    /// <paramref name="head"/> is the raw HTTP/1 head (request line through the empty line), a
    /// <see cref="DeferredHead"/> (HTTP/2's field section) or a materialised <see cref="RecordedHead"/>;
    /// <paramref name="context"/> is shared by the connection's requests.
    /// </summary>
    internal RecordedRequest(
        object head,
        RecordingContext context,
        byte[] body,
        long bodySize,
        IReadOnlyList<int> chunkSizes,
        int sequenceNumber,
        Protocol protocol,
        Exception? failure,
        RecordedHeaders? trailers = null,
        long chunkCount = -1)
    {
        System.Diagnostics.Debug.Assert(head is byte[] or DeferredHead or RecordedHead, "The head is raw bytes, deferred or materialised.");
        _head = head;
        _context = context;
        _extras = RecordedExtras.Create(body, bodySize, trailers, chunkSizes, chunkCount);
        SequenceNumber = sequenceNumber;
        _protocol = (byte)protocol;
        _failure = failure;
    }

    /// <summary>The request line as sent (HTTP/2: synthesised as <c>METHOD path HTTP/2</c>); empty for bookkeeping entries.</summary>
    public string RequestLine => Head.RequestLine;

    /// <summary>The method, e.g. <c>GET</c> or <c>CONNECT</c>; empty for bookkeeping entries.</summary>
    public string Method => Head.Method;

    /// <summary>The request-target exactly as sent: <c>/a?b</c>, <c>http://host/a</c> (proxy), <c>host:443</c> (CONNECT) or <c>*</c>.</summary>
    public string Target => Head.Target;

    /// <summary>
    /// The path <em>and query</em> of <see cref="Url"/> (<c>/a?b=1</c>), as OkHttp's
    /// <c>RecordedRequest.path</c>; also for absolute-form targets; null for CONNECT, bookkeeping
    /// entries and invalid targets (<c>*</c> for an asterisk-form target). To compare the path alone,
    /// whatever the query, use <see cref="PathWithoutQuery"/>; route templates match that part only.
    /// </summary>
    public string? Path => Url is { } url ? url.PathAndQuery : (Target == "*" ? "*" : null);

    /// <summary>
    /// <see cref="Path"/> without its query (<c>/a</c> for <c>/a?b=1</c>), percent-encoding as in
    /// <see cref="Path"/>: the part a <see cref="RouteDispatcher"/> template matches, and what
    /// <c>Dispatcher.From(r =&gt; r.PathWithoutQuery == "/a" …)</c> should compare so that adding a query
    /// parameter to the call does not stop it matching. Null when <see cref="Path"/> is.
    /// </summary>
    public string? PathWithoutQuery => Path is { } path && path.IndexOf('?', StringComparison.Ordinal) is var query and >= 0 ? path[..query] : Path;

    /// <summary>
    /// The query parameters of <see cref="Target"/> in the order sent, names and values decoded
    /// (percent-decoding, and '+' as a space as in HTML forms); a repeated name appears once per
    /// occurrence and a name without '=' has an empty value. Empty when there is no query. This is
    /// what <see cref="RouteBuilder.WithQuery"/> matches against.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> QueryParameters => Dispatching.RouteCondition.Query(this);

    /// <summary>
    /// The full request URL: absolute-form targets as sent; origin-form targets resolved against
    /// the connection's scheme and the Host header (or the server's address). Null for CONNECT,
    /// asterisk-form, bookkeeping entries and targets that are not a valid URL.
    /// </summary>
    public Uri? Url => Head.Url;

    /// <summary>The header fields in wire order.</summary>
    public RecordedHeaders Headers => Head.Headers;

    /// <summary>Trailer fields sent after a chunked (HTTP/1) or HTTP/2 body; empty when none.</summary>
    public RecordedHeaders Trailers => _extras?.Trailers ?? RecordedHeaders.Empty;

    /// <summary>
    /// The body bytes retained: the first <see cref="MockWebServer.BodyLimit"/> of them
    /// (<see cref="MockWebServer.DefaultBodyLimit"/>, 4 MiB, unless changed); see
    /// <see cref="BodySize"/> for the full size.
    /// </summary>
    public byte[] Body => _extras?.Body ?? [];

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>
    /// The body's full size in bytes as received, including bytes beyond the retention limit;
    /// counted whatever the size (past 2 GiB too).
    /// </summary>
    public long BodySize => _extras?.BodySize ?? 0;

    /// <summary>
    /// The size of each chunk of a chunked HTTP/1 body, in order, for the first 1,024 chunks
    /// (later ones are only counted in <see cref="ChunkCount"/>); empty otherwise.
    /// </summary>
    public IReadOnlyList<int> ChunkSizes => _extras?.ChunkSizes ?? [];

    /// <summary>How many chunks a chunked HTTP/1 body had, including those past the ones in <see cref="ChunkSizes"/>; 0 otherwise.</summary>
    public long ChunkCount => _extras?.ChunkCount ?? 0;

    /// <summary>This exchange's position on its connection, from 0 (see the type's remarks for the rules).</summary>
    public int SequenceNumber { get; }

    /// <summary>The same number as <see cref="SequenceNumber"/>, under its OkHttp 5 name.</summary>
    public int ExchangeIndex => SequenceNumber;

    /// <summary>Which accepted socket carried it: 0 for the server's first, +1 per accepted socket.</summary>
    public int ConnectionIndex => _context.ConnectionIndex;

    /// <summary>The protocol it arrived over.</summary>
    public Protocol Protocol => (Protocol)_protocol;

    /// <summary>The TLS handshake of its connection, or null for cleartext.</summary>
    public TlsHandshake? Handshake => _context.Handshake;

    /// <summary>
    /// Why the exchange failed or was cut short (malformed input, a policy, a broken socket, a
    /// <see cref="RouteDispatcher"/> miss); null when it went normally. A dispatcher's verdict
    /// (<see cref="UnmatchedRequestException"/>) is set during dispatch, before any response byte is sent.
    /// </summary>
    public Exception? Failure
    {
        get => Volatile.Read(ref _failure);
        internal set => Volatile.Write(ref _failure, value);
    }

    /// <summary>
    /// Records why a dispatcher judged this request faulty while it still answers it (e.g. MockKit.Grpc's
    /// <c>RespondUnary</c> answering INTERNAL to a body that is not one message), unless a failure is
    /// already recorded: the first failure wins, as for every other cause. Call it before returning the
    /// response, so the failure is in place when the request is observed.
    /// </summary>
    /// <param name="failure">What was wrong with the request.</param>
    /// <returns>True when this failure was recorded; false when an earlier one stands.</returns>
    public bool TrySetFailure(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return Interlocked.CompareExchange(ref _failure, failure, null) is null;
    }

    /// <summary>
    /// Claims the one observation (meter and logger) of this request: true the first time only, so
    /// the paths that may observe it (at record time, after dispatch, after a handshake check) never
    /// count it twice.
    /// </summary>
    internal bool TryClaimObservation() => Interlocked.Exchange(ref _observed, (byte)1) == 0;

    /// <summary>True for an entry recorded by a connection-level policy without a request being read.</summary>
    public bool IsBookkeeping => _head is RecordedHead { Method.Length: 0 };

    /// <summary>The materialised head: an HTTP/1 head is parsed from its bytes, an HTTP/2 head made from its fields, on first use (racing readers agree on one result).</summary>
    private RecordedHead Head
    {
        get
        {
            var head = Volatile.Read(ref _head);
            if (head is RecordedHead materialised)
            {
                return materialised;
            }

            var parsed = head is DeferredHead deferred ? deferred.Materialise(_context) : RecordedHead.Parse((byte[])head, _context);
            return Interlocked.CompareExchange(ref _head, parsed, head) is RecordedHead winner ? winner : parsed;
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsBookkeeping
        ? $"(no request: {Failure?.Message}) [connection {ConnectionIndex}, sequence {SequenceNumber}]"
        : $"{RequestLine} [connection {ConnectionIndex}, sequence {SequenceNumber}]{(Failure is null ? string.Empty : " failed: " + Failure.Message)}";
}
