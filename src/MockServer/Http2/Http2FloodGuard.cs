using MockKit.Http2;

namespace MockKit.MockServer.Http2;

/// <summary>
/// A budget for one kind of frame that is cheap for a peer to send and costs the server work,
/// a log line, a record or a queued reply (PING, SETTINGS, RST_STREAM sent or provoked, empty
/// DATA, WINDOW_UPDATE, PRIORITY). Past <c>limit</c> frames the connection ends with
/// ENHANCE_YOUR_CALM (RFC 9113 section 10.5: "An endpoint MAY treat activity that is suspicious
/// as a connection error of type ENHANCE_YOUR_CALM").
/// </summary>
/// <remarks>
/// <para><b>The rule.</b> Every counted frame spends one unit. The budget is restored two ways:
/// a new window of time (<c>window</c> on the server's <see cref="TimeProvider"/>) starts it
/// afresh, and useful work earns units back (<see cref="Credit"/>: a request served to the end,
/// response DATA sent, request DATA received). Time alone is not enough: on a frozen manual clock
/// the window never ends, and a long-lived, well-behaved connection that sends an occasional
/// PING or SETTINGS would eventually be cut off; with credit it lives as long as it does real
/// work. Credit alone is not enough either: a client that only polls with PING would starve.</para>
/// <para><b>Why it counts resets the server sends.</b> CVE-2019-9514 (reset flood) makes a server
/// queue one RST_STREAM per cheap malformed stream; CVE-2023-44487 (rapid reset) opens and
/// cancels streams; CVE-2025-8671 ("MadeYouReset") provokes the server into resetting streams
/// itself (malformed requests, flow-control or content-length errors), which no client-side
/// RST_STREAM counter sees. So the session feeds both the client's RST_STREAM and every
/// stream it resets or refuses while reading into one reset guard, and a served request earns
/// a few back, like the "credit for work" accounting of Go's and nghttp2's servers.</para>
/// <para><b>Threads.</b> <see cref="Count"/> runs on the reader loop only; <see cref="Credit"/>
/// may run on any thread (exchange tasks, the writer loop), so the count is updated atomically.</para>
/// </remarks>
internal sealed class Http2FloodGuard(string what, int limit, TimeSpan window, TimeProvider time)
{
    private long _windowStart = time.GetTimestamp(); // Reader loop only.
    private int _count;                              // Interlocked: spent by the reader, credited by anyone.

    /// <summary>The frames allowed before ENHANCE_YOUR_CALM, without new time or credit.</summary>
    public int Limit => limit;

    /// <summary>Spends one unit for one frame (reader loop only).</summary>
    /// <exception cref="Http2ConnectionException">ENHANCE_YOUR_CALM when the budget is exhausted.</exception>
    public void Count()
    {
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(_windowStart, now) >= window)
        {
            _windowStart = now;
            Interlocked.Exchange(ref _count, 0);
        }

        if (Interlocked.Increment(ref _count) > limit)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"More than {limit} {what} frames within {window.TotalSeconds:0.###} s without requests served or data sent to earn them.");
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
