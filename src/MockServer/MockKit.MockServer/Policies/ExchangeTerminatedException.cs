namespace MockKit.MockServer.Policies;

/// <summary>
/// Unwinds a codec after an effect ended its exchange (the socket was closed, the stream
/// reset, the exchange stalled until shutdown). Caught at the connection loop; never escapes.
/// </summary>
internal sealed class ExchangeTerminatedException(string message) : Exception(message);
