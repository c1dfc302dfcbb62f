using MockKit.Http1;

namespace MockKit.Client.Connections;

// Failure mapping, HTTP/1's part: the protocol-neutral Exchange.MapFailure decides cancellation,
// timeouts and transport failures for every protocol; only HTTP/1 raises Http1ParseException (the
// shared head parser, body framing, the chunked decoder, the 1xx and 101 checks), so only HTTP/1
// turns it into the protocol error callers see.
internal sealed partial class Http1Connection
{
    /// <summary>
    /// <see cref="Exchange.MapFailure"/>, then a malformed response (<see cref="Http1ParseException"/>)
    /// that it left as it was becomes an <see cref="ExchangeException"/> with
    /// <see cref="HttpRequestError.InvalidResponse"/>, never retried (the server answered; answering again
    /// would not make it valid). Mapping after the exchange keeps its precedence: a call cancelled, or a
    /// timeout that expired, while the bad bytes were read still reports the cancellation or the timeout.
    /// </summary>
    internal static Exception MapFailure(Exchange exchange, Exception e, string phase, CancellationToken readerToken = default)
    {
        var mapped = exchange.MapFailure(e, phase, readerToken);
        return ReferenceEquals(mapped, e) && e is Http1ParseException parse
            ? new ExchangeException($"Protocol error from {exchange.Connection.Route} while {phase}: {parse.Message}", e, HttpRequestError.InvalidResponse, beforeResponseBytes: false)
            : mapped;
    }
}
