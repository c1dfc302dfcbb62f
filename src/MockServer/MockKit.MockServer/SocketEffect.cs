using MockKit.MockServer.Policies;

namespace MockKit.MockServer;

/// <summary>
/// What the server does to a connection or stream when a trigger on <see cref="MockResponse"/>
/// fires (<see cref="MockResponse.OnRequestStart"/>, <see cref="MockResponse.OnRequestBody"/>,
/// <see cref="MockResponse.OnResponseStart"/>, <see cref="MockResponse.OnResponseBody"/>,
/// <see cref="MockResponse.OnResponseEnd"/>). Each named <see cref="SocketPolicy"/> is one
/// such (trigger, effect) pair; combine them freely for cases no named policy covers.
/// </summary>
public abstract record SocketEffect
{
    private protected SocketEffect()
    {
    }

    /// <summary>Applies the effect to the exchange that triggered it.</summary>
    /// <returns>True when the exchange cannot go on (the codec stops writing and reading it).</returns>
    internal abstract ValueTask<bool> ApplyAsync(ISocketEffectTarget target, CancellationToken cancellationToken);

    /// <summary>
    /// Closes the socket. With <paramref name="ShutdownInput"/> or <paramref name="ShutdownOutput"/>
    /// set, the socket is not closed but only that direction is shut down (a half-close; the
    /// exchange then goes on and meets the consequence naturally, e.g. the next read sees end of stream).
    /// </summary>
    /// <param name="ShutdownInput">Shut down only the receiving direction.</param>
    /// <param name="ShutdownOutput">Shut down only the sending direction (the peer reads end of stream).</param>
    public sealed record CloseSocket(bool ShutdownInput = false, bool ShutdownOutput = false) : SocketEffect
    {
        internal override async ValueTask<bool> ApplyAsync(ISocketEffectTarget target, CancellationToken cancellationToken)
        {
            if (!ShutdownInput && !ShutdownOutput)
            {
                await target.CloseSocketAsync().ConfigureAwait(false);
                return true;
            }

            target.ShutdownSocket(ShutdownInput, ShutdownOutput);
            return false;
        }
    }

    /// <summary>
    /// Ends the connection gracefully: on HTTP/2 a GOAWAY (NO_ERROR) naming the last stream
    /// processed, after which no new stream is accepted; on HTTP/1 the socket is closed.
    /// </summary>
    public sealed record ShutdownConnection : SocketEffect
    {
        internal override async ValueTask<bool> ApplyAsync(ISocketEffectTarget target, CancellationToken cancellationToken)
        {
            await target.ShutdownConnectionAsync().ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Ends one stream abnormally: on HTTP/2 an RST_STREAM with <paramref name="Code"/>; on
    /// HTTP/1, which has no streams, the socket is closed.
    /// </summary>
    /// <param name="Code">The RST_STREAM error code.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "An HTTP/2 stream, not a System.IO.Stream; the name is part of the public contract.")]
    public sealed record CloseStream(Http2ErrorCode Code = Http2ErrorCode.InternalError) : SocketEffect
    {
        internal override async ValueTask<bool> ApplyAsync(ISocketEffectTarget target, CancellationToken cancellationToken)
        {
            await target.CloseStreamAsync(Code).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Stops reading and writing this exchange, keeping the socket open, until the server shuts down.
    /// </summary>
    public sealed record Stall : SocketEffect
    {
        internal override async ValueTask<bool> ApplyAsync(ISocketEffectTarget target, CancellationToken cancellationToken)
        {
            await target.StallAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Shuts the whole server down (listener and every connection), as
    /// <see cref="SocketPolicy.ShutdownServerAfterResponse"/> does.
    /// </summary>
    public sealed record ShutdownServer : SocketEffect
    {
        internal override ValueTask<bool> ApplyAsync(ISocketEffectTarget target, CancellationToken cancellationToken)
        {
            target.ShutdownServer();
            return ValueTask.FromResult(true);
        }
    }
}
