namespace MockKit.Http2.Engine;

/// <summary>
/// Send credit for one DATA frame under both flow-control windows (RFC 9113 section 5.2): a DATA
/// frame may carry no more than the stream's window and the connection's window allow
/// (section 6.9.1). Both roles' DATA writers (the client's request body, the server's response
/// body) take their credit here.
/// </summary>
/// <remarks>
/// Stream credit is taken first, then connection credit for at most that much, and the stream's
/// surplus is returned: taking the connection's first would let one stream that is blocked on its
/// own window hold connection credit every other stream needs. Waits end with
/// the cancellation token (the client links its WriteTimeout, on the handler's
/// <see cref="TimeProvider"/>, and the call's token into it; the server its stream lifetime) or
/// when a window is aborted (reset stream, closed connection).
/// </remarks>
public static class Http2SendCredit
{
    /// <summary>Waits until both windows grant credit; returns how many bytes (1 to <paramref name="wanted"/>) may be sent now.</summary>
    /// <param name="stream">The stream's send window.</param>
    /// <param name="connection">The connection's send window.</param>
    /// <param name="wanted">The bytes wanted, at most the peer's SETTINGS_MAX_FRAME_SIZE.</param>
    /// <param name="cancellationToken">Ends the wait; no credit is kept then.</param>
    public static async ValueTask<int> AcquireAsync(Http2OutboundWindow stream, Http2OutboundWindow connection, int wanted, CancellationToken cancellationToken)
    {
        var fromStream = await stream.WaitForCreditAsync(wanted, cancellationToken).ConfigureAwait(false);
        int granted;
        try
        {
            granted = await connection.WaitForCreditAsync(fromStream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            stream.Return(fromStream);
            throw;
        }

        stream.Return(fromStream - granted);
        return granted;
    }
}
