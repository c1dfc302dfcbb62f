namespace MockKit.MockServer;

/// <summary>
/// A path space that the program hosting a <see cref="MockWebServer"/> serves itself, on the server's
/// own port, beside the scripted traffic: a control or health API for a mock that runs in a process of
/// its own (the standalone <c>mockkit</c> tool's admin API under <c>/__mockkit/</c> is one), or any
/// path a test harness wants answered by its own code without that traffic showing in the test's
/// record. Install it with <see cref="MockWebServer.HostEndpoint"/> before the server starts.
/// </summary>
/// <remarks>
/// <para>
/// A request whose path is under <see cref="PathPrefix"/> bypasses the exchange pipeline's claim,
/// record and dispatch steps: no response is claimed for it (so it never takes a queued response or a
/// route's use), it is not recorded (<see cref="MockWebServer.RequestCount"/> and
/// <see cref="MockWebServer.TakeRequest()"/> never see it), no socket policy applies to it and the
/// traffic log does not show it. Its body is read as any body is (the server's limits apply, and
/// <see cref="MockWebServer.BodyLimit"/> bytes of it are kept) and the endpoint's function gives the
/// response, which is written as any scripted <see cref="MockResponse"/> is.
/// </para>
/// <para>
/// Caveats that come from the wire, not from this hook: a request is only known to be the host's once
/// its head arrived, so a connection-start policy (one acting before any request is read) can still
/// act on a connection that then carries host requests; and a host request takes a sequence number
/// on its connection like every request read there. Only origin-form targets (<c>/path?query</c>)
/// belong to an endpoint: an absolute-form target is a proxy request for another origin.
/// </para>
/// <para>Immutable once built; safe to share between servers.</para>
/// </remarks>
public sealed class HostEndpoint
{
    private readonly Func<RecordedRequest, CancellationToken, ValueTask<MockResponse>> _serve;
    private readonly long _maxBodyBytes = DefaultMaxBodyBytes;

    /// <summary>Creates an endpoint owning the paths under <paramref name="pathPrefix"/>.</summary>
    /// <param name="pathPrefix">
    /// The path prefix owned, compared ordinally with the request path as sent (before any query),
    /// e.g. <c>/__mockkit/</c>; when it ends with <c>/</c>, the same path without that slash is owned
    /// too. Must start with <c>/</c> and be more than <c>/</c> (which would take every request).
    /// </param>
    /// <param name="serve">
    /// Answers one request addressed to the endpoint, its body read. Called concurrently for concurrent
    /// requests and never under a server lock; the token is cancelled when the exchange ends early (server
    /// shutdown, or an HTTP/2 stream reset). An exception it throws is answered 500 Internal Server Error
    /// with the exception's type and message as text: the host's failure never ends the connection.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="pathPrefix"/> is empty, <c>/</c>, or does not start with <c>/</c>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="pathPrefix"/> or <paramref name="serve"/> is null.</exception>
    public HostEndpoint(string pathPrefix, Func<RecordedRequest, CancellationToken, ValueTask<MockResponse>> serve)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathPrefix);
        ArgumentNullException.ThrowIfNull(serve);
        if (pathPrefix[0] != '/' || pathPrefix == "/")
        {
            throw new ArgumentException($"A host endpoint's path prefix starts with '/' and names a path below the root, e.g. \"/__admin/\"; \"{pathPrefix}\" does not.", nameof(pathPrefix));
        }

        PathPrefix = pathPrefix;
        _serve = serve;
    }

    /// <summary>The default <see cref="MaxBodyBytes"/>: 1 MiB.</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>The path prefix this endpoint owns (ordinal comparison on the path, before any query).</summary>
    public string PathPrefix { get; }

    /// <summary>
    /// Largest request body the endpoint is given; a larger one is read and dropped and answered
    /// 413 Content Too Large (RFC 9110 section 15.5.14) without calling the endpoint, and one declared
    /// larger than 64 MiB is refused unread (the connection is then not reused). Positive;
    /// <see cref="DefaultMaxBodyBytes"/> (1 MiB) by default.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public long MaxBodyBytes
    {
        get => _maxBodyBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxBodyBytes = value;
        }
    }

    /// <summary>True when <paramref name="head"/> (a request head, no body) is addressed to this endpoint.</summary>
    internal bool Owns(RecordedRequest head)
    {
        var target = head.Target;
        if (!target.StartsWith('/'))
        {
            return false;
        }

        var end = target.AsSpan().IndexOfAny('?', '#');
        var path = end < 0 ? target.AsSpan() : target.AsSpan(0, end);
        return path.StartsWith(PathPrefix, StringComparison.Ordinal)
            || (PathPrefix.EndsWith('/') && path.SequenceEqual(PathPrefix.AsSpan(0, PathPrefix.Length - 1)));
    }

    /// <summary>Serves one request addressed to this endpoint.</summary>
    internal ValueTask<MockResponse> ServeAsync(RecordedRequest request, CancellationToken cancellationToken) => _serve(request, cancellationToken);
}
