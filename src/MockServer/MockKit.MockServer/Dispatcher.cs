using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer;

/// <summary>
/// Decides the response to each recorded request. The default is a <see cref="QueueDispatcher"/>;
/// subclass this (or use <see cref="From"/>) to route by path, method or body.
/// </summary>
/// <remarks>
/// Dispatch runs on the connection that received the request, concurrently with other
/// connections, and never under a server lock: a dispatcher may itself make calls to the
/// same server while its request waits.
/// </remarks>
public abstract class Dispatcher
{
    /// <summary>Returns the response for <paramref name="request"/>.</summary>
    /// <param name="request">The recorded request (a bookkeeping entry for connection-level policies).</param>
    /// <param name="cancellationToken">Cancelled when the server shuts down.</param>
    /// <returns>The response to send.</returns>
    public abstract ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The response the next dispatch will return, if known, without consuming it. The server
    /// peeks to apply connection-level policies before a request is read (e.g.
    /// <see cref="SocketPolicy.DisconnectAtStart"/>) and request-body policies before the body is
    /// read. The default returns null: no early policy.
    /// </summary>
    /// <remarks>
    /// For a user subclass this is best effort: under concurrent requests another exchange may be
    /// dispatched between the peek and this exchange's dispatch, so the early policy can come from
    /// a different response than the one dispatched. <see cref="QueueDispatcher"/> (not a subclass of
    /// it) and <see cref="RouteDispatcher"/> are exact: the server reserves the peeked response for
    /// the exchange that saw it.
    /// </remarks>
    /// <returns>The next response, or null.</returns>
    public virtual MockResponse? Peek() => null;

    /// <summary>
    /// Takes (or, for a dispatcher that cannot reserve, only peeks) the response for one exchange
    /// before it is dispatched. <paramref name="request"/> is the request as known so far (head
    /// only, no body), or null at connection start when no request has been read. When
    /// <paramref name="wanted"/> is given only a response it accepts is claimed. The default is
    /// today's best effort: an unbound hint from <see cref="Peek"/>.
    /// </summary>
    internal virtual ResponseClaim? Claim(RecordedRequest? request, Func<MockResponse, bool>? wanted)
    {
        var peeked = Peek();
        return peeked is not null && (wanted is null || wanted(peeked)) ? new ResponseClaim(this, peeked, bound: false) : null;
    }

    /// <summary>
    /// True when <see cref="Claim"/> looks at its request (a route's match); false lets an exchange
    /// skip building the head-only request for it. The default <see cref="Claim"/> only peeks.
    /// </summary>
    internal virtual bool ClaimReadsRequest => false;

    /// <summary>
    /// True when <see cref="Claim"/> may run user code (a subclass's <see cref="Peek"/>), so the
    /// server must not claim on a connection's reader loop (HTTP/2) and claims in the exchange
    /// instead; false lets the claim be made as each request head arrives, in arrival order (see
    /// <see cref="Exchanges.ServerExchange.ClaimOnArrival"/>). The default is true: <see cref="Peek"/>
    /// may be overridden.
    /// </summary>
    internal virtual bool ClaimRunsUserCode => true;

    /// <summary>Hands back a bound claim whose exchange ended before dispatch. The default does nothing.</summary>
    internal virtual void Release(ResponseClaim claim)
    {
    }

    /// <summary>Dispatches an exchange that may hold a claim: a bound claim is its response.</summary>
    internal ValueTask<MockResponse> DispatchClaimedAsync(RecordedRequest request, ResponseClaim? claim, CancellationToken cancellationToken) =>
        claim is { Bound: true } && ReferenceEquals(claim.Owner, this)
            ? ValueTask.FromResult(claim.Response)
            : DispatchAsync(request, cancellationToken);

    /// <summary>Called once when the server shuts down; release anything waiting. The default does nothing.</summary>
    public virtual void Shutdown()
    {
    }

    /// <summary>
    /// A <see cref="ForwardingDispatcher"/>: each request is forwarded to <paramref name="upstream"/> at
    /// <paramref name="upstreamBase"/>. Returned as its own type, so the same variable serves as
    /// the server's dispatcher and gives the recordings back
    /// (<see cref="ForwardingDispatcher.Recordings"/>, <see cref="ForwardingDispatcher.SaveRecordings(string)"/>)
    /// and takes a <see cref="ForwardingDispatcher.Transform"/>.
    /// </summary>
    /// <param name="upstream">The handler, e.g. <c>TestServer.CreateHandler()</c>; not disposed.</param>
    /// <param name="upstreamBase">The upstream's absolute base URL.</param>
    /// <returns>The dispatcher.</returns>
    public static ForwardingDispatcher Forward(HttpMessageHandler upstream, Uri upstreamBase) => new ForwardingDispatcher(upstream, upstreamBase);

    /// <summary>
    /// A <see cref="RouteDispatcher"/> serving the exchanges a <see cref="ForwardingDispatcher.SaveRecordings(string)"/>
    /// file holds: each answers its recorded method and target (and body, when one was recorded)
    /// once, in recorded order; anything else gets the near-miss report.
    /// </summary>
    /// <param name="path">The recordings file.</param>
    /// <returns>The dispatcher.</returns>
    /// <remarks>
    /// A query parameter recorded as <c>REDACTED</c> matches on its presence (any value); a request body
    /// recorded as <c>"bodyJson"</c> matches structurally (key order and whitespace ignored); one recorded
    /// cut short (<c>"bodyTruncated"</c>) matches on its kept prefix and its recorded <c>"bodySize"</c>.
    /// </remarks>
    /// <exception cref="FormatException">The file is not a valid recordings file: the message names the file, the place (exchange and field, or line and byte) and the problem.</exception>
    public static RouteDispatcher Replay(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        var routes = new RouteDispatcher();
        routes.MapReplay(file, path);
        return routes;
    }

    /// <summary>A dispatcher that answers every request with <paramref name="dispatch"/>.</summary>
    /// <param name="dispatch">Maps a request to its response; called concurrently for concurrent requests.</param>
    /// <returns>The dispatcher.</returns>
    public static Dispatcher From(Func<RecordedRequest, MockResponse> dispatch)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        return new FuncDispatcher(dispatch);
    }
}
