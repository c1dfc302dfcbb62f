using System.Diagnostics;

namespace MockKit.MockServer.Streaming;

/// <summary>
/// The one pacer: bytes sent segment by segment on the server's <see cref="TimeProvider"/>, each
/// segment written and flushed when it is due. Both paced bodies use it — <see cref="MockBody.Paced"/>
/// (e.g. a gRPC server stream, one message a segment) and <see cref="MockResponse.EventStream"/>
/// (one Server-Sent Event a segment) — through whichever response writer (HTTP/1.1 or HTTP/2) serves
/// the exchange; each writer hands it its decorated body sink, so throttles, chunk framing and
/// OnResponseBody act on paced bytes as on any body.
/// </summary>
/// <remarks>
/// <para>The due-time rule: segment <c>i</c> is due at <c>start + i × interval</c>, where start is
/// when the first segment is written. Due times are counted from that start, never from the previous
/// write, so a slow write (a throttle, a client behind on flow control) does not push every later
/// segment back: a segment already due when its turn comes goes out at once.</para>
/// <para>Immutable: the segments are slices of one array that is never written to again, so an
/// HTTP/2 DATA frame may reference it while queued, and one instance may be served by many exchanges
/// at once.</para>
/// </remarks>
internal sealed class PacedSegments
{
    /// <summary>Makes a pacer for <paramref name="content"/>, cut into segments that end at <paramref name="ends"/>.</summary>
    /// <param name="content">Every segment, back to back; not changed afterwards.</param>
    /// <param name="ends">Where each segment ends in <paramref name="content"/>, ascending; the last is its length.</param>
    /// <param name="interval">The time between one segment's due time and the next; zero or more.</param>
    public PacedSegments(ReadOnlyMemory<byte> content, int[] ends, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        Debug.Assert(ends.Length == 0 || ends[^1] == content.Length, "The last segment ends where the content does.");
        Content = content;
        Ends = ends;
        Interval = interval;
    }

    /// <summary>Every segment, back to back.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Where each segment ends in <see cref="Content"/>.</summary>
    public int[] Ends { get; }

    /// <summary>How many segments there are.</summary>
    public int Count => Ends.Length;

    /// <summary>The time between one segment's due time and the next.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// How long to wait before writing segment <paramref name="index"/> when <paramref name="elapsed"/>
    /// has passed since the first was written: its due time (<c>index × interval</c>) less that, or
    /// zero when it is already due. A pure function of the clock, so the rule is testable on its own.
    /// </summary>
    public TimeSpan WaitBefore(int index, TimeSpan elapsed)
    {
        var wait = Interval * index - elapsed;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>
    /// Writes the first <paramref name="count"/> segments to <paramref name="sink"/>, each flushed,
    /// each not before it is due on <paramref name="time"/>; the first at once.
    /// </summary>
    /// <param name="sink">The decorated response body sink.</param>
    /// <param name="count">How many segments to write (at most <see cref="Count"/>; an event stream may be cut short).</param>
    /// <param name="time">The server's clock.</param>
    /// <param name="cancellationToken">Ends the wait and the writes (server shutdown, HTTP/2 stream reset).</param>
    public async Task WriteAsync(Stream sink, int count, TimeProvider time, CancellationToken cancellationToken)
    {
        Debug.Assert(count >= 0 && count <= Count, "Writes at most every segment.");
        var start = time.GetTimestamp();
        var from = 0;
        for (var i = 0; i < count; i++)
        {
            var wait = WaitBefore(i, time.GetElapsedTime(start));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            await sink.WriteAsync(Content[from..Ends[i]], cancellationToken).ConfigureAwait(false);
            await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            from = Ends[i];
        }
    }
}
