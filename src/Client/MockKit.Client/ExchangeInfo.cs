namespace MockKit.Client;

/// <summary>
/// Which connection carried one response and where on it the exchange fell. Attached to
/// every response <see cref="InstrumentedHandler"/> returns; read it with
/// <see cref="HttpResponseMessageExtensions.GetExchange"/>. Immutable.
/// </summary>
/// <param name="ConnectionId">The carrying connection's <see cref="ConnectionSnapshot.Id"/>: its number in the pool, from 0
/// (like MockWebServer's <c>ConnectionIndex</c>, which counts the server's accepted sockets).</param>
/// <param name="SequenceNumber">The exchange's position on the connection, from 0, by the same rule
/// MockWebServer records: on HTTP/1.1 every request written on the socket counts, a tunnel's
/// CONNECT included, so the first request through a tunnel is 1; on HTTP/2 the first stream is 0 and
/// each stream adds 1 (a CONNECT before the TLS upgrade is not counted).</param>
/// <param name="ConnectionReused">True when the connection had carried an earlier exchange of this or another call.</param>
/// <param name="Route">The connection's route.</param>
/// <param name="Protocol">The connection's protocol.</param>
/// <param name="Handshake">The TLS handshake with the origin, or null for cleartext.</param>
public sealed record ExchangeInfo(
    long ConnectionId,
    int SequenceNumber,
    bool ConnectionReused,
    Route Route,
    Protocol Protocol,
    TlsHandshake? Handshake)
{
    /// <summary>
    /// The call that produced this response: the id its <see cref="EventListener"/> callbacks
    /// received (so <c>RecordingEventListener</c> events can be picked out by it). Calls are numbered
    /// per <see cref="ConnectionPool"/> from 0, in the order they start; never process-wide, so tests
    /// running in parallel on their own handlers cannot shift each other's numbers.
    /// </summary>
    public long CallId { get; init; }
}
