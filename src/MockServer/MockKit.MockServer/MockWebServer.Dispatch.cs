using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer;

/// <summary>
/// The server's side of the claim protocol (see <see cref="ResponseClaim"/>): an exchange claims
/// its response when it starts (every claim is made through <see cref="Exchanges.ServerExchange"/>)
/// and dispatches through the dispatcher that made the claim.
/// </summary>
public sealed partial class MockWebServer
{
    /// <summary>
    /// Dispatches through the claim's dispatcher when there is one (the server's may have been
    /// replaced since). A route miss is written to the traffic log with its near-miss report.
    /// </summary>
    internal async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, ResponseClaim? claim, CancellationToken cancellationToken)
    {
        MockResponse response;
        try
        {
            response = await (claim?.Owner ?? _dispatcher).DispatchClaimedAsync(request, claim, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ObserveOutcome(request); // No verdict will come: what is known now is the outcome.
            throw;
        }

        if (response.RequiresHttp2 is { } what && request.Protocol is not (Protocol.Http2 or Protocol.H2PriorKnowledge))
        {
            // gRPC is HTTP/2 only (PROTOCOL-HTTP2): the exchange fails, named, instead of sending frames
            // an HTTP/1.1 client cannot read.
            var message = $"{what} needs HTTP/2, but the request came over HTTP/1.1: answered 505 (HTTP Version Not Supported).";
            request.Failure ??= new System.Net.ProtocolViolationException(message);
            response = new MockResponse(505, message + "\n") { Headers = { { "Content-Type", "text/plain; charset=utf-8" } } };
        }

        if (request.Failure is UnmatchedRequestException unmatched && IsLogging)
        {
            Log(request.ConnectionIndex, request.SequenceNumber, $"{unmatched.Message}");
        }

        ObserveDispatched(request, response);
        return response;
    }

    /// <summary>
    /// Observes a dispatched request once its outcome is final: now, unless the response is a
    /// WebSocket whose opening handshake is still to be checked (the session observes it then, see
    /// <see cref="ObserveOutcome"/>). A response-start effect may end the exchange before
    /// that check, so such a response is observed now.
    /// </summary>
    internal void ObserveDispatched(RecordedRequest request, MockResponse response)
    {
        if (response.WebSocketHandler is null || response.Effective.OnResponseStart is not null)
        {
            ObserveOutcome(request);
        }
    }

    /// <summary>
    /// Counts and logs a request whose outcome is now final (after a WebSocket handshake check, or
    /// when its dispatch failed); only the first observation of a request counts (see
    /// <see cref="RecordedRequest.TryClaimObservation"/>).
    /// </summary>
    internal void ObserveOutcome(RecordedRequest? request)
    {
        if (request is not null && request.TryClaimObservation())
        {
            ObserveRecorded(request);
        }
    }

    /// <summary>
    /// The client abandoned the exchange of <paramref name="request"/> before its response ended
    /// (<paramref name="what"/> says how): the record gets that failure unless it has one already, and
    /// the failure is observed once — with the request when it was not observed yet, else on its own
    /// (the request was counted as it was dispatched, its failure is counted now).
    /// </summary>
    internal void RecordAbandonment(RecordedRequest request, string what)
    {
        if (request.Failure is not null)
        {
            return; // The first failure (a route miss, a policy) stands, already observed with the request.
        }

        request.Failure = new IOException(char.ToUpperInvariant(what[0]) + what[1..] + ".");
        if (request.TryClaimObservation())
        {
            ObserveRecorded(request);
        }
        else
        {
            ObserveLateFailure(request);
        }
    }

    /// <summary>
    /// The dispatcher to hand this exchange to before its body is read ("headers first, body as a
    /// stream", see <see cref="IStreamingDispatcher"/>), or null for the ordinary path: a bound claim
    /// already is the exchange's response.
    /// </summary>
    internal IStreamingDispatcher? StreamingDispatcherFor(ResponseClaim? claim) =>
        claim is { Bound: true } ? null : (claim?.Owner ?? _dispatcher) as IStreamingDispatcher;

    /// <summary>True when new exchanges may take the streaming path (HTTP/2 prepares a body pipe for them as their HEADERS arrive).</summary>
    internal bool MayStreamRequests => _dispatcher is IStreamingDispatcher;

    /// <summary>Hands back the claim of an exchange that ended before it was dispatched.</summary>
    internal static void ReleaseResponse(ResponseClaim? claim)
    {
        if (claim is { Bound: true })
        {
            claim.Owner.Release(claim);
        }
    }
}
