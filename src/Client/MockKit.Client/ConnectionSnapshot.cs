namespace MockKit.Client;

/// <summary>
/// The state of one pooled connection at the moment <see cref="ConnectionPool.Connections"/>
/// was read. A value, not a live view: read the pool again to see later changes.
/// </summary>
/// <param name="Id">The connection's number in its pool: 0 for the first connection the pool made, +1 per connection, in creation order.</param>
/// <param name="Route">The route the connection was made on.</param>
/// <param name="Protocol">The negotiated protocol: <see cref="Protocol.Http11"/> for every HTTP/1 connection,
/// <see cref="Protocol.Http2"/> for h2 over TLS, <see cref="Protocol.H2PriorKnowledge"/> for cleartext HTTP/2.</param>
/// <param name="ActiveStreams">Exchanges in flight (0 or 1 on HTTP/1.1; up to the server's SETTINGS_MAX_CONCURRENT_STREAMS
/// on HTTP/2). An exchange stays active until its response body ended or was disposed.</param>
/// <param name="CompletedExchanges">Exchanges of calls that finished on this connection (a tunnel's CONNECT is not one).</param>
/// <param name="NoNewExchanges">True once the connection will not be handed out again; it closes when its last exchange ends.</param>
/// <param name="IdleSince">When the last exchange ended, by the pool's <see cref="TimeProvider"/>; null while an exchange is active.</param>
/// <param name="Handshake">The TLS handshake with the origin, or null for cleartext.</param>
public sealed record ConnectionSnapshot(
    long Id,
    Route Route,
    Protocol Protocol,
    int ActiveStreams,
    int CompletedExchanges,
    bool NoNewExchanges,
    DateTimeOffset? IdleSince,
    TlsHandshake? Handshake);
