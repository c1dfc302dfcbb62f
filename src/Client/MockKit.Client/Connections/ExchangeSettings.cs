namespace MockKit.Client.Connections;

/// <summary>The per-call settings an exchange needs, frozen from the handler.</summary>
internal sealed record ExchangeSettings(
    TimeSpan ReadTimeout,
    TimeSpan WriteTimeout,
    TimeSpan ExpectContinueTimeout,
    TimeProvider TimeProvider,
    EventListener Listener);
