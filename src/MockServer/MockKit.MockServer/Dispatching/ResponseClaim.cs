namespace MockKit.MockServer.Dispatching;

/// <summary>
/// The response one exchange took from a dispatcher before its request was dispatched, so the
/// early policies the server applies (request start, request body, 100-continue) belong to the
/// response that same exchange is then given. A <em>bound</em> claim is
/// reserved for this exchange alone: dispatch returns it, and an exchange that ends before
/// dispatch hands it back with <see cref="Dispatcher.Release"/>. An unbound claim is only a
/// hint (a user dispatcher's <see cref="Dispatcher.Peek"/>): dispatch still calls
/// <see cref="Dispatcher.DispatchAsync(RecordedRequest, CancellationToken)"/>.
/// </summary>
internal sealed class ResponseClaim(Dispatcher owner, MockResponse response, bool bound, object? reservation = null)
{
    /// <summary>The dispatcher that made the claim (the server's dispatcher may be replaced meanwhile).</summary>
    public Dispatcher Owner { get; } = owner;

    /// <summary>The response whose early policies apply to the exchange.</summary>
    public MockResponse Response { get; } = response;

    /// <summary>True when the response is reserved for this exchange and dispatch returns it.</summary>
    public bool Bound { get; } = bound;

    /// <summary>Owner-specific state needed to hand the claim back (e.g. the route rule).</summary>
    public object? Reservation { get; } = reservation;
}
