using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using MockKit.Client.Connections;
using MockKit.Client.Diagnostics;

namespace MockKit.Client;

/// <summary>
/// One <c>SendAsync</c>: its first request plus retries and follow-ups (redirects, proxy auth),
/// which prefer to stay on the same connection. The call owns the call-level token (the
/// caller's token plus <see cref="InstrumentedHandler.CallTimeout"/>) until its final response
/// body ends, when CallEnd is raised.
/// </summary>
/// <remarks>
/// Retry rule (consumed by a <c>catch … when</c> filter): an <see cref="ExchangeException"/> with
/// <see cref="ExchangeException.BeforeResponseBytes"/> is replayed, at most
/// <see cref="MaxConnectionRetries"/> times, when the body is replayable and either the
/// connection was reused (it may simply have gone stale), another route remains, or the server
/// guaranteed it did not process the request (<see cref="ExchangeException.Unprocessed"/>: an HTTP/2
/// stream above a GOAWAY's last stream id, or REFUSED_STREAM; RFC 9113 section 8.7).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The call timeout source lives until the final body ends and is disposed in Finish, not by an owner.")]
internal sealed class Call : IExchangeOwner
{
    /// <summary>The most replays after connection failures in one call.</summary>
    public const int MaxConnectionRetries = 3;

    private readonly InstrumentedHandler _handler;
    private readonly HttpRequestMessage _request;
    private readonly CancellationToken _userToken;
    private readonly CallDeadline? _callTimeout; // Only with a CallTimeout: most calls carry the caller's token alone.
    private readonly long _id;
    private RouteState? _routes;
    private Exchange? _finalExchange;
    private int _scopeDisposed;

    public Call(InstrumentedHandler handler, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _handler = handler;
        _request = request;
        _userToken = cancellationToken;
        _id = handler.Pool.NextCallId();
        if (handler.CallTimeout != Timeout.InfiniteTimeSpan)
        {
            _callTimeout = new CallDeadline(handler.CallTimeout, handler.TimeProvider);
            _callTimeout.UserRegistration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _callTimeout);
        }
    }

    private CancellationToken Token => _callTimeout?.Token ?? _userToken;

    // Read through the handler rather than kept in a field: its settings are frozen by the first call,
    // and a field is 8 bytes more in an object every call allocates.
    private EventListener Listener => _handler.ExchangeSettings.Listener;

    public async Task<HttpResponseMessage> ExecuteAsync()
    {
        Listener.OnCallStart(_id, _request);
        try
        {
            var request = _request;
            PooledConnection? preferred = null;
            var followUps = 0;
            var proxyAuthAnswered = false;
            while (true)
            {
                Token.ThrowIfCancellationRequested();
                // Each request sent (the first, then each follow-up) is observed on its own, as the runtime's
                // handler chain does below its redirect handler. Started and stopped in this method so that
                // Activity.Current goes back to the caller's between hops.
                var scope = RequestScope.Start(_handler.Metrics, _handler.ActivePropagator, request);
                HttpResponseMessage response;
                IResponseBody body;
                Exchange exchange;
                try
                {
                    // The retry loop is inline, not an async method of its own: one state machine per
                    // call instead of two (see Http1Connection.ReadHeadAsync for why levels cost).
                    var retries = 0;
                    while (true)
                    {
                        var (connection, reused, sequenceNumber) = await AcquireAsync(request, preferred).ConfigureAwait(false);
                        exchange = Exchange.Begin(_handler.Pool, connection, _handler.ExchangeSettings, _id, sequenceNumber, reused, this, Token);
                        Listener.OnConnectionAcquired(_id, connection.Id, connection.Route, reused);
                        if (reused)
                        {
                            _handler.Metrics.ConnectionReused(connection);
                        }

                        try
                        {
                            (response, body) = await connection.SendAsync(request, exchange).ConfigureAwait(false);
                            break;
                        }
                        catch (Exception e)
                        {
                            if (!OnSendFailed(e, request, exchange, reused, ref retries))
                            {
                                throw;
                            }

                            preferred = null; // Replayed on whatever connection the pool offers next.
                        }
                    }
                }
                catch (Exception e)
                {
                    scope.Stop(request, response: null, e);
                    throw;
                }

                scope.Stop(request, response, exception: null);
                var next = FollowUps.Create(response, request, exchange.Connection.Route, _handler, ref proxyAuthAnswered);
                Listener.OnFollowUpDecision(_id, response, next);
                if (next is null)
                {
                    ((InstrumentedResponse)response).SetExchange(_id, exchange.Connection, exchange.SequenceNumber, exchange.Reused);
                    Volatile.Write(ref _finalExchange, exchange);
                    return response;
                }

                if (++followUps > FollowUps.MaxFollowUps)
                {
                    response.Dispose();
                    throw new HttpRequestException($"Too many follow-up requests: {followUps} (the limit is {FollowUps.MaxFollowUps}).");
                }

                InjectedTraceContext.CarryOver(request, next);
                preferred = exchange.Connection;
                await body.DiscardAsync().ConfigureAwait(false);
                response.Dispose();
                request = next;
            }
        }
        catch (Exception e)
        {
            // Only public exception types leave the handler.
            var failure = e is ExchangeException exchangeFailure ? exchangeFailure.ToPublic() : e;
            if (Token.IsCancellationRequested && e is OperationCanceledException)
            {
                Listener.OnCanceled(_id);
                if (!_userToken.IsCancellationRequested)
                {
                    failure = new TaskCanceledException(
                        $"The call to {Diagnostics.UriRedaction.Show(_request.RequestUri, _handler.DisableUriRedaction)} timed out after {_handler.CallTimeout.TotalSeconds:0.###} s.",
                        new TimeoutException("call timeout"));
                }
            }

            Listener.OnCallFailed(_id, failure);
            Finish();
            if (failure == e)
            {
                ExceptionDispatchInfo.Capture(e).Throw();
            }

            throw failure;
        }
    }

    /// <summary>
    /// Ends the exchange whose send failed and decides whether to replay the request (true: the
    /// caller loops; false: it rethrows). The retry rule is the one in the class remarks.
    /// </summary>
    private bool OnSendFailed(Exception e, HttpRequestMessage request, Exchange exchange, bool reused, ref int retries)
    {
        var connection = exchange.Connection;
        // A multiplexed connection survives a failed stream; it marks itself when it is broken.
        var reusable = connection.IsMultiplexed || (!exchange.RequestStarted && e is not ExchangeException);
        exchange.Release(reusable, completed: false);
        var unprocessed = e is ExchangeException { Unprocessed: true };
        var retry = e is ExchangeException { BeforeResponseBytes: true } && CanRetry(request, reused || unprocessed, ref retries);
        Listener.OnRetryDecision(_id, e, retry);
        if (!retry)
        {
            return false;
        }

        if (unprocessed)
        {
            // GOAWAY or REFUSED_STREAM: the route is fine, the request just was not taken.
        }
        else if (!reused)
        {
            _handler.RouteDatabase.Failed(connection.Route);
        }
        else
        {
            _routes = null; // A stale pooled connection says nothing about the routes: start over.
        }

        _handler.Metrics.Retried(request, unprocessed ? "unprocessed" : reused ? "stale_connection" : "next_route");
        return true;
    }

    private bool CanRetry(HttpRequestMessage request, bool reused, ref int retries) =>
        _handler.RetryOnConnectionFailure
        && !Token.IsCancellationRequested
        && FollowUps.IsReplayable(request.Content)
        && (reused || _routes is { HasNext: true })
        && retries++ < MaxConnectionRetries;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(PooledConnection Connection, bool Reused, int SequenceNumber)> AcquireAsync(HttpRequestMessage request, PooledConnection? preferred)
    {
        var uri = request.RequestUri!;
        var address = _handler.AddressFor(uri, Address.WantsTunnel(request, _handler.ConnectionSettings.Proxy));
        var pool = _handler.Pool;
        var policy = ProtocolPolicy.For(request, _handler.ConnectionSettings.Protocols, _handler.DisableUriRedaction);
        while (pool.TryAcquire(address, policy, preferred, out var reused, out var sequenceNumber) is { } pooled)
        {
            pooled.Metrics?.StateChanged();
            if (await pooled.IsHealthyAsync(doExtensiveChecks: request.Method != HttpMethod.Get).ConfigureAwait(false))
            {
                return (pooled, reused, sequenceNumber);
            }

            pool.EndExchange(pooled, completed: false, noNewExchanges: true);
        }

        // No pooled connection could take the request: it waits for a new one, which the runtime
        // measures as http.client.request.time_in_queue.
        var queuedAt = _handler.TimeProvider.GetTimestamp();
        try
        {
            if (_routes is null || _routes.Address != address)
            {
                var routes = await RouteSelector.SelectAsync(uri, address.Tunnel, _handler.ConnectionSettings, _handler.RouteDatabase, Listener, _id, Token).ConfigureAwait(false);
                _routes = new RouteState(address, routes);
            }

            Exception? firstFailure = null;
            while (_routes.TryNext(out var route))
            {
                try
                {
                    var connection = await RouteConnector.ConnectAsync(pool, address, route, policy, _handler.ConnectionSettings, _handler.ExchangeSettings, _id, Token).ConfigureAwait(false);
                    _handler.RouteDatabase.Connected(route);
                    connection.Metrics = new ConnectionMetrics(_handler.Metrics, connection);
                    var chosen = pool.AddOrJoin(connection, policy, out var reused, out var sequenceNumber, out var joined);
                    if (joined)
                    {
                        // Another call's HTTP/2 connection to this address won the race: ride on it.
                        connection.Close();
                        chosen.Metrics?.StateChanged();
                    }
                    else
                    {
                        connection.Metrics.Established();
                    }

                    _handler.Metrics.RequestLeftQueue(request, chosen, _handler.TimeProvider.GetElapsedTime(queuedAt));
                    return (chosen, reused, sequenceNumber);
                }
                catch (HttpRequestException e) when (!Token.IsCancellationRequested)
                {
                    _handler.RouteDatabase.Failed(route);
                    firstFailure ??= e;
                    if (!_handler.RetryOnConnectionFailure)
                    {
                        throw;
                    }
                }
            }

            throw firstFailure ?? new HttpRequestException(HttpRequestError.ConnectionError, $"Every route to {uri.GetLeftPart(UriPartial.Authority)} has been tried and failed.");
        }
        catch (Exception)
        {
            // The runtime records a wait that ended without a connection too.
            _handler.Metrics.RequestLeftQueue(request, connection: null, _handler.TimeProvider.GetElapsedTime(queuedAt));
            throw;
        }
    }

    /// <inheritdoc />
    public void OnExchangeReleased(Exchange exchange, bool completed)
    {
        Listener.OnConnectionReleased(_id, exchange.Connection.Id);
        if (ReferenceEquals(Volatile.Read(ref _finalExchange), exchange))
        {
            Listener.OnCallEnd(_id);
            Finish();
        }
    }

    private void Finish()
    {
        if (Interlocked.Exchange(ref _scopeDisposed, 1) != 0)
        {
            return;
        }

        _callTimeout?.Dispose();
    }

    /// <summary>
    /// The call-level source when <see cref="InstrumentedHandler.CallTimeout"/> is set: canceled when it expires or
    /// when the caller's token is. The registration on the caller's token lives here, not in the call, so a call
    /// without a timeout (the default) carries neither.
    /// </summary>
    private sealed class CallDeadline(TimeSpan delay, TimeProvider timeProvider) : CancellationTokenSource(delay, timeProvider)
    {
        public CancellationTokenRegistration UserRegistration { get; set; }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                UserRegistration.Dispose(); // First: the caller's token must not cancel a disposed source.
            }

            base.Dispose(disposing);
        }
    }

    private sealed class RouteState(Address address, IReadOnlyList<Route> routes)
    {
        private int _next;

        public Address Address { get; } = address;

        public bool HasNext => _next < routes.Count;

        public bool TryNext(out Route route)
        {
            route = _next < routes.Count ? routes[_next++] : null!;
            return route is not null;
        }
    }
}
