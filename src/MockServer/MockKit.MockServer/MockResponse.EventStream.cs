using System.Net.ServerSentEvents;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer;

/// <summary>Server-Sent Events: a response kind whose body is a paced stream of events.</summary>
public sealed partial class MockResponse
{
    private int? _disconnectAfterEvents;

    /// <summary>
    /// A <c>200 OK</c> <c>text/event-stream</c> response (with <c>Cache-Control: no-cache</c>) whose body is
    /// <paramref name="events"/> in the Server-Sent Events format (WHATWG HTML, "Server-sent events"):
    /// <c>event:</c>, one <c>data:</c> line per line of the data, <c>id:</c> and <c>retry:</c>, as the
    /// runtime's <see cref="SseFormatter"/> writes them. Each event is flushed when it is due on the
    /// server's <see cref="MockWebServer.TimeProvider"/>: the first at once, each next one
    /// <paramref name="interval"/> later. Then the body ends (HTTP/1.1: the last chunk; HTTP/2: END_STREAM),
    /// unless <see cref="DisconnectAfterEvents"/> cuts it first.
    /// </summary>
    /// <param name="events">The events, copied now (later changes to the sequence are not sent).</param>
    /// <param name="interval">Time between one event and the next; zero (the default) sends them back to back. Not negative.</param>
    /// <returns>The response; set other members (headers, <see cref="Throttle"/>, <see cref="HeadersDelay"/>, triggers) on it as usual.</returns>
    /// <exception cref="ArgumentException">
    /// An event cannot be written as SSE: its event type or id holds a CR or LF, its id holds a NUL, a
    /// field holds an unpaired surrogate, or its reconnection interval is negative. The message names
    /// the event's index and the field.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is negative.</exception>
    /// <remarks>
    /// Over HTTP/1.1 the body is chunked (its length is unknown while it is paced); over HTTP/2 it is
    /// sent without <c>content-length</c>. <see cref="Throttle"/>, <see cref="ChunkSize"/>,
    /// <see cref="HeadersDelay"/>, <see cref="BodyDelay"/> and every socket policy apply as to any body;
    /// <see cref="OnResponseBody"/> with the default threshold (half a body of unknown length) fires
    /// after the first event. The response may be served more than once (e.g. by a route on every reconnect).
    /// </remarks>
    public static MockResponse EventStream(IEnumerable<SseItem<string>> events, TimeSpan interval = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        return new MockResponse
        {
            Headers = { { "Content-Type", "text/event-stream" }, { "Cache-Control", "no-cache" } },
            Body = MockBody.EventStream(EventStreamBody.Create(events, interval)),
        };
    }

    /// <summary>
    /// For an <see cref="EventStream"/> response: cut the exchange right after this many events, with no
    /// clean end — the dropped stream a reconnecting client must survive. HTTP/1.1 closes the socket
    /// inside the chunked body (no last chunk); HTTP/2 resets the stream (RST_STREAM INTERNAL_ERROR).
    /// Null (the default) ends the stream cleanly after its last event. A number larger than the
    /// event count cuts after the last event.
    /// </summary>
    /// <remarks>
    /// The reader sees those events, then an I/O failure. Over HTTP/2 a client may discard data it had not
    /// yet read when the reset arrives (<c>SocketsHttpHandler</c> does), so only a prefix of them is
    /// guaranteed there. The request is recorded with <see cref="RecordedRequest.Failure"/> set to a
    /// <see cref="SocketPolicyException"/> (trigger <c>DisconnectAfterEvents</c>) just before the cut,
    /// so a test that read the stream to its failure sees it. <see cref="OnResponseEnd"/> does not
    /// fire on a cut stream (its body never ended).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    /// <exception cref="InvalidOperationException">The response is not an <see cref="EventStream"/> response.</exception>
    public int? DisconnectAfterEvents
    {
        get => _disconnectAfterEvents;
        set
        {
            if (value is { } count)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(count);
                if (Body.Events is null)
                {
                    throw new InvalidOperationException(
                        "DisconnectAfterEvents applies to an event stream: set it on the response MockResponse.EventStream(...) returns.");
                }
            }

            _disconnectAfterEvents = value;
        }
    }

    /// <summary>
    /// How many events this response's body sends for a request with <paramref name="method"/>, and
    /// whether the exchange is then cut; zero events for an answer without content (HEAD, a 204).
    /// </summary>
    /// <param name="method">The request method, or null when unknown (then taken to allow content).</param>
    internal (int Count, bool Cut) EventPlan(string? method)
    {
        if (Body.Events is not { } events || ResponseWriter.ContentOf(method ?? string.Empty, Code) != ResponseContent.Body)
        {
            return (0, false);
        }

        return _disconnectAfterEvents is { } after ? (Math.Min(after, events.Count), true) : (events.Count, false);
    }
}
