namespace MockKit.Client;

/// <summary>One event recorded by <see cref="RecordingEventListener"/>.</summary>
/// <param name="Name">The <see cref="EventListener"/> method name without its "On" prefix, e.g. <c>ConnectionAcquired</c>.</param>
/// <param name="CallId">The call the event belongs to.</param>
/// <param name="Timestamp">When it was recorded, by the listener's <see cref="TimeProvider"/>.</param>
/// <param name="Detail">A short human-readable description of the arguments (route, status, byte count…), or null.</param>
public sealed record CallEvent(string Name, long CallId, DateTimeOffset Timestamp, string? Detail = null);
