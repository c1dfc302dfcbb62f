using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Exchanges;

/// <summary>
/// A request body delivered as it arrives (<see cref="IExchangeTransport.OpenBodyFlow"/>): a handler or
/// a streaming dispatcher reads <see cref="Pipe"/> while the protocol keeps reading the body for the
/// record; <see cref="Ended"/> says how the body ended, and the pipeline records the request then.
/// </summary>
/// <param name="pipe">What the body's reader reads.</param>
/// <param name="ended">Completes when the body ended: null when whole, else the failure to record.</param>
internal sealed class RequestBodyFlow(RequestBodyPipe pipe, Task<Exception?> ended)
{
    /// <summary>The live body.</summary>
    public RequestBodyPipe Pipe { get; } = pipe;

    /// <summary>Null when the body ended whole; the failure to record when it was malformed or broke off.</summary>
    public Task<Exception?> Ended { get; } = ended;
}
