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
    // One field for both states, to keep an object every call allocates small: the connection until
    // someone asks for the ExchangeInfo, then the record built from it (a connection's handshake never
    // changes, so building it late describes the same exchange).
    private object? _facts;
    private long _callId;
    private int _sequenceNumber;
    private bool _reused;

    /// <summary>The exchange that produced this response, or null before the call finished with it.</summary>
    public ExchangeInfo? Exchange
    {
        get
        {
            switch (Volatile.Read(ref _facts))
            {
                case ExchangeInfo built:
                    return built;
                case PooledConnection connection:
                    // Racing readers may both build one; the first published wins, so every reader sees one instance.
                    var fresh = new ExchangeInfo(connection.Id, _sequenceNumber, _reused, connection.Route, connection.Protocol, connection.Handshake) { CallId = _callId };
                    return Interlocked.CompareExchange(ref _facts, fresh, connection) as ExchangeInfo ?? fresh;
                default:
                    return null;
            }
        }
    }

    /// <summary>Records the final exchange (called once, by the call, before the response is handed out).</summary>
    public void SetExchange(long callId, PooledConnection connection, int sequenceNumber, bool reused)
    {
        _callId = callId;
        _sequenceNumber = sequenceNumber;
        _reused = reused;
        Volatile.Write(ref _facts, connection);
    }
}
