using System.Net;

namespace MockKit.Client.Connections;

/// <summary>
/// The response type every connection creates: an <see cref="HttpResponseMessage"/> that carries
/// its <see cref="ExchangeInfo"/>, set by the call once it knows the response is final (no
/// per-request options dictionary needed).
/// </summary>
/// <remarks>
/// The call records the exchange's facts; the <see cref="ExchangeInfo"/> record is built the first
/// time someone asks for it, so a response nobody inspects costs no extra allocation.
/// </remarks>
internal sealed class InstrumentedResponse(HttpStatusCode statusCode) : HttpResponseMessage(statusCode)
{
    private PooledConnection? _connection;
    private TlsHandshake? _handshake;
    private long _callId;
    private int _sequenceNumber;
    private bool _reused;
    private ExchangeInfo? _exchange;

    /// <summary>The exchange that produced this response, or null before the call finished with it.</summary>
    public ExchangeInfo? Exchange
    {
        get
        {
            if (Volatile.Read(ref _exchange) is { } built)
            {
                return built;
            }

            if (Volatile.Read(ref _connection) is not { } connection)
            {
                return null;
            }

            // Racing readers may both build one; the first published wins, so every reader sees one instance.
            var fresh = new ExchangeInfo(connection.Id, _sequenceNumber, _reused, connection.Route, connection.Protocol, _handshake) { CallId = _callId };
            return Interlocked.CompareExchange(ref _exchange, fresh, null) ?? fresh;
        }
    }

    /// <summary>Records the final exchange (called once, by the call, before the response is handed out).</summary>
    public void SetExchange(long callId, PooledConnection connection, int sequenceNumber, bool reused)
    {
        _callId = callId;
        _sequenceNumber = sequenceNumber;
        _reused = reused;
        _handshake = connection.Handshake; // As it is now: the record describes the exchange's moment.
        Volatile.Write(ref _connection, connection);
    }
}
