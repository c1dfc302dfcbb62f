using MockKit.Http2;

namespace MockKit.Client.Connections;

/// <summary>
/// The client's flood guard for one HTTP/2 connection: a budget of "cheap" frames the server may send
/// (PING, SETTINGS, RST_STREAM, WINDOW_UPDATE, PRIORITY, PUSH_PROMISE, unknown types and empty DATA
/// without END_STREAM), each of which costs us work or a queued reply while carrying no response data
/// (the CVE-2019-9512/9514/9515/9518 class). Exhausting it is a connection error ENHANCE_YOUR_CALM
/// (RFC 9113 section 5.4.1), so the connection is closed and never handed out again.
/// </summary>
/// <remarks>
/// <para>The budget refills with useful work, never with time: every stream the client opens adds
/// <see cref="CreditPerStream"/>, every DATA frame it sends adds two (room for the stream and the
/// connection WINDOW_UPDATE that answer it), every non-empty DATA frame received adds one (paid for
/// with flow-control window). A long-lived connection on a frozen manual clock is therefore never
/// killed for being old, and a flood is caught whatever the clock says.</para>
/// <para>Thread-safety: the reader loop charges, the writer loop and the reader refill; the count is
/// updated with interlocked operations.</para>
/// </remarks>
internal sealed class Http2FrameBudget
{
    /// <summary>The most cheap frames in a row a server may send before it must do something useful.</summary>
    public const int Capacity = 1000;

    /// <summary>Credit for each stream the client opens.</summary>
    public const int CreditPerStream = 100;

    private int _available = Capacity;

    /// <summary>Adds credit, up to <see cref="Capacity"/>.</summary>
    public void Refill(int credit)
    {
        var current = Volatile.Read(ref _available);
        while (true)
        {
            var next = (int)Math.Min(Capacity, (long)current + credit);
            var seen = Interlocked.CompareExchange(ref _available, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Charges one cheap frame (reader loop).</summary>
    /// <exception cref="Http2ConnectionException">ENHANCE_YOUR_CALM once the budget is exhausted.</exception>
    public void Charge(Http2FrameType type)
    {
        if (Interlocked.Decrement(ref _available) < 0)
        {
            throw new Http2ConnectionException(
                Http2ErrorCode.EnhanceYourCalm,
                $"The server sent more than {Capacity} {type} and other control or empty frames without doing useful work (flood; RFC 9113 section 10.5).");
        }
    }
}
