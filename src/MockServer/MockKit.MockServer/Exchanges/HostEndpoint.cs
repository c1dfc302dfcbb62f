namespace MockKit.MockServer.Exchanges;

/// <summary>
/// A path space the program hosting a <see cref="MockWebServer"/> serves itself, on the same port,
/// beside the scripted traffic: the standalone server's admin API under <c>/__mockkit/</c>. A request
/// whose path is under <see cref="PathPrefix"/> bypasses the exchange pipeline's claim, record and
/// dispatch steps: no response is claimed for it (so it never takes a queued response or a route's
/// use), it is not recorded (<see cref="MockWebServer.RequestCount"/> and <c>TakeRequest</c> never see
/// it), no socket policy applies to it and the traffic log does not show it. Its body is read as any
/// body is (the server's limits apply) and <see cref="ServeAsync"/> gives the response.
/// </summary>
/// <remarks>
/// Caveats that come from the wire, not from this hook: a request is only known to be the host's once
/// its head arrived, so a connection-start policy (one acting before any request is read) can still
/// act on a connection that then carries host requests; and a host request takes a sequence number
/// on its connection like every request read there.
/// </remarks>
/// <param name="pathPrefix">The path prefix owned, e.g. <c>/__mockkit/</c>; the same path without its trailing slash is owned too.</param>
/// <param name="serve">Answers one host request (its body read); called concurrently, never under a server lock.</param>
internal sealed class HostEndpoint(string pathPrefix, Func<RecordedRequest, CancellationToken, ValueTask<MockResponse>> serve)
{
    /// <summary>The path prefix this endpoint owns (ordinal comparison on the path, before any query).</summary>
    public string PathPrefix { get; } = pathPrefix;

    /// <summary>
    /// Largest request body accepted; a larger body is answered 413 (RFC 9110 section 15.5.14) without
    /// calling the endpoint. 1 MiB by default.
    /// </summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>True when <paramref name="head"/> (a request head, no body) is addressed to this endpoint.</summary>
    public bool Owns(RecordedRequest head)
    {
        // Origin-form targets only: an absolute-form target is a proxy request for another origin.
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
    public ValueTask<MockResponse> ServeAsync(RecordedRequest request, CancellationToken cancellationToken) => serve(request, cancellationToken);
}
