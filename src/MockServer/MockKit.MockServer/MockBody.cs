using System.Buffers;
using System.Text;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer;

/// <summary>
/// The bytes of a scripted response body. Converts implicitly from <see cref="string"/>
/// (encoded as UTF-8) and from <c>byte[]</c>. Immutable and shareable.
/// </summary>
/// <remarks>
/// A <see cref="ForwardingDispatcher"/>'s response carries a <em>streamed</em> body instead: it is
/// relayed from the upstream as it arrives, <see cref="Content"/> is empty, <see cref="Length"/> is
/// the upstream's declared length (-1 when it declared none), and it can be sent only once.
/// <see cref="MockResponse.EventStream"/> makes an <em>event stream</em> body: Server-Sent Events written
/// one by one as they are due; <see cref="Content"/> is empty and <see cref="Length"/> is -1 (unknown,
/// so HTTP/1.1 sends it chunked and HTTP/2 without <c>content-length</c>).
/// </remarks>
public sealed class MockBody
{
    private MockBody(ReadOnlyMemory<byte> content) => Content = content;

    private MockBody(StreamedBodySource source) => Source = source;

    private MockBody(EventStreamBody events) => Events = events;

    private MockBody(PacedSegments pacing)
    {
        Content = pacing.Content;
        Pacing = pacing;
    }

    /// <summary>An empty body.</summary>
    public static MockBody Empty { get; } = new(ReadOnlyMemory<byte>.Empty);

    /// <summary>The body's bytes (empty for a streamed body).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The body's length in bytes; for a streamed body its declared length, or -1 when unknown; -1 for an event stream.</summary>
    public long Length => Source is { } source ? source.Length ?? -1 : Events is not null ? -1 : Content.Length;

    /// <summary>Where OnResponseBody fires by default: half the body; -1 (after the first write) when the length is unknown.</summary>
    internal long HalfLength => Length >= 0 ? Length / 2 : -1;

    /// <summary>The live source of a streamed body; null for a body held in memory.</summary>
    internal StreamedBodySource? Source { get; }

    /// <summary>The events of an event-stream body; null for any other body.</summary>
    internal EventStreamBody? Events { get; }

    /// <summary>What the traffic log says was sent: the bytes relayed or held, or the events streamed.</summary>
    internal string SentSize => Source is { } sent ? $"{sent.Size} body bytes"
        : Events is { } events ? $"an event stream of {events.Count} events"
        : $"{Content.Length} body bytes";

    /// <summary>For a paced body (<see cref="Paced"/>): its segments of <see cref="Content"/> and their interval; null for a body written in one go.</summary>
    internal PacedSegments? Pacing { get; }

    /// <summary>
    /// For a paced body: where each segment of <see cref="Content"/> ends; null for a body written in
    /// one go. The response writers test it to keep a paced body off their one-write fast paths.
    /// </summary>
    internal int[]? SegmentEnds => Pacing?.Ends;

    /// <summary>
    /// A body sent segment by segment: the first at once, each next one <paramref name="interval"/>
    /// later (segment <c>i</c> is due <c>i × interval</c> after the first, however long the writes
    /// took), each flushed (e.g. one gRPC message or one event at a time). <see cref="Content"/> is the
    /// whole body, so length, OnResponseBody's threshold and the response's record stay as for any body.
    /// Reusable: nothing in it is consumed by sending.
    /// </summary>
    /// <param name="segments">The segments, in order; copied into one body.</param>
    /// <param name="interval">The wait between two segments, on the server's <see cref="MockWebServer.TimeProvider"/>; zero or more.</param>
    /// <returns>The body.</returns>
    public static MockBody Paced(IEnumerable<ReadOnlyMemory<byte>> segments, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        var ends = new List<int>();
        var whole = new ArrayBufferWriter<byte>();
        foreach (var segment in segments)
        {
            whole.Write(segment.Span);
            ends.Add(whole.WrittenCount);
        }

        return new(new PacedSegments(whole.WrittenMemory.ToArray(), [.. ends], interval));
    }

    /// <summary>
    /// Writes <paramref name="content"/> (this body's <see cref="Content"/>, or empty when the answer
    /// carries none) to <paramref name="sink"/>: at once, or for a paced body segment by segment as
    /// each is due on <paramref name="time"/> (<see cref="PacedSegments"/>).
    /// </summary>
    internal Task WriteAsync(Stream sink, ReadOnlyMemory<byte> content, TimeProvider time, CancellationToken cancellationToken) =>
        Pacing is { } pacing && content.Length == Content.Length
            ? pacing.WriteAsync(sink, pacing.Count, time, cancellationToken)
            : sink.WriteAsync(content, cancellationToken).AsTask();

    /// <summary>A body relayed from <paramref name="source"/> as it arrives.</summary>
    internal static MockBody Streamed(StreamedBodySource source) => new(source);

    /// <summary>A body of Server-Sent Events, written as each is due.</summary>
    internal static MockBody EventStream(EventStreamBody events) => new(events);

    /// <summary>A body holding <paramref name="text"/> as UTF-8.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The body.</returns>
    public static MockBody FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? Empty : new(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>A body holding a copy of <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The body.</returns>
    public static MockBody FromBytes(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? Empty : new(bytes.ToArray());

    /// <summary>Converts a string to a UTF-8 body.</summary>
    /// <param name="text">The text.</param>
    public static implicit operator MockBody(string text) => FromString(text);

    /// <summary>Converts bytes to a body (copied, so later changes to the array are not sent).</summary>
    /// <param name="bytes">The bytes.</param>
    public static implicit operator MockBody(byte[] bytes) => FromBytes(bytes);

    /// <summary>The body decoded as UTF-8.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        Source is not null ? "(streamed body)" : Events is { } events ? $"(event stream of {events.Count} events)" : Encoding.UTF8.GetString(Content.Span);
}
