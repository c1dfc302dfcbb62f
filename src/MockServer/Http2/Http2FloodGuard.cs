using MockKit.Http2;

namespace MockKit.MockServer.Http2;

/// <summary>
/// Counts one kind of cheap-to-send, costly-to-answer frame (PING, SETTINGS, RST_STREAM) in
/// fixed windows of time and ends the connection with ENHANCE_YOUR_CALM when a peer sends more
/// than <c>limit</c> of them within one window (RFC 9113 section 10.5: "An endpoint MAY treat
/// activity that is suspicious as a connection error of type ENHANCE_YOUR_CALM"). Used by the
/// reader loop only, so it needs no lock.
/// </summary>
internal sealed class Http2FloodGuard(string what, int limit, TimeSpan window, TimeProvider time)
{
    private long _windowStart = time.GetTimestamp();
    private int _count;

    /// <summary>Counts one frame.</summary>
    /// <exception cref="Http2ConnectionException">ENHANCE_YOUR_CALM when the limit is exceeded.</exception>
    public void Count()
    {
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(_windowStart, now) >= window)
        {
            _windowStart = now;
            _count = 0;
        }

        if (++_count > limit)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"More than {limit} {what} frames within {window.TotalSeconds:0.###} s.");
        }
    }
}
