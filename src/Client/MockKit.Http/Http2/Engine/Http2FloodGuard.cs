namespace MockKit.Http2.Engine;

/// <summary>
/// A budget for frames that are cheap for a peer to send and cost us work, a log line, a record or
/// a queued reply (PING, SETTINGS, RST_STREAM sent or provoked, empty DATA, WINDOW_UPDATE,
/// PRIORITY, PUSH_PROMISE, unknown types). Past <c>limit</c> frames the connection ends with
/// ENHANCE_YOUR_CALM (RFC 9113 section 10.5: "An endpoint MAY treat activity that is suspicious
/// as a connection error of type ENHANCE_YOUR_CALM"). Both roles use it: the server keeps one per
/// kind of frame, the client one for all of them.
/// </summary>
/// <remarks>
/// <para><b>The rule.</b> Every counted frame spends one unit. Useful work earns units back
/// (<see cref="Credit"/>: a request served or a stream opened, DATA sent, DATA received), never
/// below an empty count. Optionally (<c>window</c> not null) a new window of time on the given
/// <see cref="TimeProvider"/> also starts the budget afresh. Time alone is not enough: on a frozen
/// manual clock the window never ends, and a long-lived, well-behaved connection that sends an
/// occasional PING or SETTINGS would eventually be cut off; with credit it lives as long as it does
/// real work. Credit alone is not enough for a server either: a client that only polls with PING
/// would starve, so the server guards have a window and the client's (whose peer owes it no
/// polling) has none.</para>
/// <para><b>Why the server counts resets it sends.</b> CVE-2019-9514 (reset flood) makes a server
/// queue one RST_STREAM per cheap malformed stream; CVE-2023-44487 (rapid reset) opens and cancels
/// streams; CVE-2025-8671 ("MadeYouReset") provokes the server into resetting streams itself
/// (malformed requests, flow-control or content-length errors), which no RST_STREAM counter sees.
/// So the session feeds both into one reset guard, and a served request earns a few back, like
/// the "credit for work" accounting of Go's and nghttp2's servers.</para>
/// <para><b>Threads.</b> <see cref="Count"/> runs on the reader loop only; <see cref="Credit"/>
/// may run on any thread (exchange tasks, the writer loop), so the count is updated atomically.</para>
/// </remarks>
/// <param name="what">The frames counted, for the error message.</param>
/// <param name="limit">The frames allowed without new time or credit.</param>
/// <param name="window">The window of time after which the budget starts afresh; null for never.</param>
/// <param name="time">The clock of <paramref name="window"/>.</param>
public sealed class Http2FloodGuard(string what, int limit, TimeSpan? window, TimeProvider time)
{
    private long _windowStart = time.GetTimestamp(); // Reader loop only.
    private int _count;                              // Interlocked: spent by the reader, credited by anyone.

    /// <summary>The frames allowed before ENHANCE_YOUR_CALM, without new time or credit.</summary>
    public int Limit => limit;

    /// <summary>Spends one unit for one frame (reader loop only).</summary>
    /// <exception cref="Http2ConnectionException">ENHANCE_YOUR_CALM when the budget is exhausted.</exception>
    public void Count()
    {
        if (window is { } length)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_windowStart, now) >= length)
            {
                _windowStart = now;
                Interlocked.Exchange(ref _count, 0);
            }
        }

        if (Interlocked.Increment(ref _count) > limit)
        {
            var within = window is { } w ? $" within {w.TotalSeconds:0.###} s" : string.Empty;
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"More than {limit} {what} frames{within} without useful work (requests served, streams opened or data sent) to earn them (flood; RFC 9113 section 10.5).");
        }
    }

    /// <summary>Earns back <paramref name="units"/> (never below an empty count); safe on any thread.</summary>
    public void Credit(int units)
    {
        var current = Volatile.Read(ref _count);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _count, Math.Max(0, current - units), current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
