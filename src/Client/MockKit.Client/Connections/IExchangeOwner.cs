namespace MockKit.Client.Connections;

/// <summary>
/// Told when an exchange ends (its body finished, failed or was abandoned). The call implements it
/// itself, so starting an exchange allocates no callback delegate.
/// </summary>
internal interface IExchangeOwner
{
    /// <summary>The exchange was released; runs on whichever thread released it, outside every lock.</summary>
    void OnExchangeReleased(Exchange exchange, bool completed);
}
