namespace MockKit.MockServer.Recording;

/// <summary>
/// A request head kept in the form its codec already holds (HTTP/2: the validated field section),
/// turned into a <see cref="RecordedHead"/> only when a test reads the request. The codec hands
/// over the object it parsed anyway, so recording costs no allocation beyond the
/// <see cref="RecordedRequest"/> itself, and requests that are never taken never pay for the
/// request line, a <see cref="Uri"/> or a header array. Must not change once recorded.
/// </summary>
internal abstract class DeferredHead
{
    /// <summary>The head as .NET objects; called at most a few times (racing readers keep one result).</summary>
    /// <param name="context">The recording's connection: scheme and authority for the URL.</param>
    public abstract RecordedHead Materialise(RecordingContext context);
}
