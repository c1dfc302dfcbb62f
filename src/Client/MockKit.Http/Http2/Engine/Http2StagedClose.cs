namespace MockKit.Http2.Engine;

/// <summary>
/// The staged close both roles use after they sent a connection error's GOAWAY: half-close our
/// side, then read (discarding) what the peer still sends until it closes or
/// <see cref="Timeout"/> of real time passes.
/// </summary>
/// <remarks>
/// Closing a socket with unread input makes TCP send a reset, and a reset can destroy the GOAWAY in
/// the peer's receive buffer before it is read; a peer in mid-flood always has frames in flight.
/// This is the staged close of RFC 9112 section 9.6, which RFC 9113 section 5.4.1 ("MUST close the
/// TCP connection" after the GOAWAY) leaves room for; nothing read is processed, so it costs a
/// flooding peer nothing to gain and us nothing but one bounded wait. Real time, not the
/// connection's TimeProvider: this bounds how long a dying socket lingers, which must end even when
/// a test's clock is frozen.
/// </remarks>
public static class Http2StagedClose
{
    /// <summary>How long a connection that sent a connection error's GOAWAY keeps draining the peer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Once the GOAWAY is on the wire (the writer loop runs this right after flushing it, see
    /// <see cref="Connection.Http2ConnectionCore.QueueGoAwayAndClose"/>): half-closes with
    /// <paramref name="shutdownOutput"/>, then drains with <paramref name="readSome"/> (false at the
    /// end of input) within one <see cref="Timeout"/>.
    /// </summary>
    /// <param name="shutdownOutput">Sends FIN after what was written (the GOAWAY).</param>
    /// <param name="readSome">Reads and discards some input; false once the peer closed.</param>
    public static async Task DrainAsync(Action shutdownOutput, Func<CancellationToken, ValueTask<bool>> readSome)
    {
        using var linger = new CancellationTokenSource(Timeout);
        try
        {
            shutdownOutput();
            while (await readSome(linger.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // Time is up, or the socket is gone (closed or reset by the peer, aborted by shutdown): close now.
        }
    }
}
