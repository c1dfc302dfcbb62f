namespace MockKit.Client.Connections;

/// <summary>
/// A response body still on its connection, whatever the protocol: the call discards it before
/// following a redirect, which releases the exchange (and, on HTTP/1, keeps the connection
/// reusable for the follow-up).
/// </summary>
internal interface IResponseBody
{
    /// <summary>Reads and drops what is left (within a size and time budget), then releases the exchange.</summary>
    Task DiscardAsync();
}
