using System.Net.ServerSentEvents;

namespace MockKit.MockServer.Streaming;

/// <summary>
/// The body of a <see cref="MockResponse.EventStream"/> response: Server-Sent Events written one at
/// a time, each flushed as it is due on the server's <see cref="TimeProvider"/> (the first at once,
/// event <c>i</c> at <c>i × interval</c> after the first), by the one pacer, <see cref="PacedSegments"/>.
/// </summary>
/// <remarks>
/// <para>Validated when made (<see cref="Create"/>), so data that the event-stream format cannot
/// carry is refused at <see cref="MockResponse.EventStream"/> time, naming the event and the field.</para>
/// <para>The events are formatted once, by the runtime's <see cref="SseFormatter"/>, into one array
/// (one segment per event) on first use and kept (a safe cache: racing first uses make equal arrays
/// and one wins). The array is never written to again, so an HTTP/2 DATA frame may reference it while queued.</para>
/// <para>Immutable apart from that cache; one instance may be served by many exchanges at once.</para>
/// </remarks>
internal sealed class EventStreamBody
{
    private readonly SseItem<string>[] _events;
    private PacedSegments? _pacing;

    private EventStreamBody(SseItem<string>[] events, TimeSpan interval)
    {
        _events = events;
        Interval = interval;
    }

    /// <summary>How many events the stream holds.</summary>
    public int Count => _events.Length;

    /// <summary>The time between one event and the next.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Takes a copy of <paramref name="events"/>, refusing any the format cannot carry.</summary>
    /// <exception cref="ArgumentException">An event cannot be written as SSE; the message names its index and field.</exception>
    public static EventStreamBody Create(IEnumerable<SseItem<string>> events, TimeSpan interval)
    {
        var copy = events.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (Problem(copy[i]) is { } problem)
            {
                throw new ArgumentException($"Event {i}: {problem}", nameof(events));
            }
        }

        return new EventStreamBody(copy, interval);
    }

    /// <summary>
    /// Writes the first <paramref name="count"/> events to <paramref name="sink"/>, each flushed when
    /// due on <paramref name="time"/> (<see cref="PacedSegments"/>: one event a segment).
    /// </summary>
    /// <param name="sink">The decorated response body sink.</param>
    /// <param name="count">How many events to write (at most <see cref="Count"/>).</param>
    /// <param name="time">The server's clock.</param>
    /// <param name="cancellationToken">Ends the wait and the writes (server shutdown, HTTP/2 stream reset).</param>
    public async Task WriteAsync(Stream sink, int count, TimeProvider time, CancellationToken cancellationToken)
    {
        var pacing = _pacing ?? await FormatAsync(cancellationToken).ConfigureAwait(false);
        await pacing.WriteAsync(sink, count, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The wire form of every event, back to back, made by the runtime's formatter, then cached.</summary>
    private async Task<PacedSegments> FormatAsync(CancellationToken cancellationToken)
    {
        using var formatted = new MemoryStream();
        var ends = new int[_events.Length];
        for (var i = 0; i < _events.Length; i++)
        {
            await SseFormatter.WriteAsync(new[] { _events[i] }.ToAsyncEnumerable(), formatted, cancellationToken).ConfigureAwait(false);
            ends[i] = checked((int)formatted.Length);
        }

        var pacing = new PacedSegments(formatted.ToArray(), ends, Interval);
        return Interlocked.CompareExchange(ref _pacing, pacing, null) ?? pacing;
    }

    /// <summary>
    /// What makes <paramref name="item"/> unwritable, or null. The rules of the event-stream format
    /// (WHATWG HTML, "Server-sent events", "Parsing an event stream"): a line ends at CR, LF or CRLF,
    /// so a field other than data (which the formatter splits into one data line per line) cannot hold
    /// one; a client ignores an id field holding NULL; and the stream is UTF-8, which has no encoding
    /// for an unpaired surrogate.
    /// </summary>
    private static string? Problem(SseItem<string> item)
    {
        // SseItem refuses line breaks in the event type and id already; checked again here so that
        // no way of making an SseItem turns into a silently different stream.
        if (FieldProblem(item.EventType, nameof(SseItem<string>.EventType), nulAllowed: true) is { } typeProblem)
        {
            return typeProblem;
        }

        if (FieldProblem(item.EventId, nameof(SseItem<string>.EventId), nulAllowed: false) is { } idProblem)
        {
            return idProblem;
        }

        if (item.Data is { } data && !IsWellFormedUtf16(data))
        {
            return "its Data holds an unpaired surrogate, which UTF-8 (the event-stream encoding) cannot carry.";
        }

        return item.ReconnectionInterval is { } retry && retry < TimeSpan.Zero
            ? $"its ReconnectionInterval {retry} is negative; retry: carries a number of milliseconds."
            : null;
    }

    private static string? FieldProblem(string? value, string field, bool nulAllowed)
    {
        if (value is null)
        {
            return null;
        }

        if (value.AsSpan().IndexOfAny('\r', '\n') is var lineBreak and >= 0)
        {
            return $"its {field} holds a line break ({(value[lineBreak] == '\r' ? "CR" : "LF")} at index {lineBreak}), which would end the {field.ToLowerInvariant()} line early.";
        }

        if (!nulAllowed && value.Contains('\0', StringComparison.Ordinal))
        {
            return $"its {field} holds a NUL character; a client ignores an id field holding one, so the last event ID would not change.";
        }

        return IsWellFormedUtf16(value) ? null : $"its {field} holds an unpaired surrogate, which UTF-8 (the event-stream encoding) cannot carry.";
    }

    /// <summary>False when <paramref name="value"/> holds a surrogate without its pair (UTF-8 would write U+FFFD instead).</summary>
    private static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
