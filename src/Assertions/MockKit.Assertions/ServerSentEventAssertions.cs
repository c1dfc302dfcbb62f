using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace MockKit.Assertions;

/// <summary>
/// Reading and asserting a <c>text/event-stream</c> response (Server-Sent Events, WHATWG HTML) with the
/// runtime's <see cref="SseParser"/>, e.g. one a <c>MockResponse.EventStream</c> serves.
/// </summary>
public static class ServerSentEventAssertions
{
    /// <summary>
    /// Reads the response body as Server-Sent Events, one at a time as they arrive, until the body ends.
    /// </summary>
    /// <param name="response">The response; send it with <see cref="HttpCompletionOption.ResponseHeadersRead"/> to see events as they arrive.</param>
    /// <param name="cancellationToken">Stops the reading (combined with any token given to <c>WithCancellation</c>).</param>
    /// <returns>The events in order, as the parser dispatches them (event type <c>message</c> when none was sent).</returns>
    /// <remarks>
    /// A body that breaks off (a dropped connection, an HTTP/2 stream reset) ends the enumeration with the
    /// client's exception, typically an <see cref="IOException"/> (<see cref="HttpIOException"/>), after the
    /// events read before it. The body stream is disposed when the enumeration ends. Not thread-safe:
    /// enumerate once.
    /// </remarks>
    public static IAsyncEnumerable<SseItem<string>> ReadEventsAsync(this HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return ReadEventsCoreAsync(response, cancellationToken);
    }

    /// <summary>
    /// Reads the whole event stream and asserts the data of its events, in order, and that it ended cleanly.
    /// </summary>
    /// <param name="response">The response.</param>
    /// <param name="data">The expected <see cref="SseItem{T}.Data"/> of every event, in order.</param>
    /// <returns>A task that completes when the stream ended as expected.</returns>
    /// <exception cref="Shouldly.ShouldAssertException">
    /// Other events arrived, or the stream broke off (even after the expected events): the message shows
    /// both lists, how the stream ended, and every event read with its type and id.
    /// </exception>
    /// <remarks>Reads until the body ends: bound an endless stream with the client's own cancellation.</remarks>
    public static async Task ShouldHaveEventsAsync(this HttpResponseMessage response, params string[] data)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(data);
        var events = new List<SseItem<string>>();
        Exception? brokeOff = null;
        try
        {
            await foreach (var item in response.ReadEventsAsync().ConfigureAwait(false))
            {
                events.Add(item);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            brokeOff = e;
        }

        var actual = events.Select(e => e.Data).ToList();
        if (brokeOff is null && actual.SequenceEqual(data))
        {
            return;
        }

        var shown = AssertionFailure.Show(actual) + (brokeOff is null ? string.Empty : $"\n    and then the stream broke off: {brokeOff.GetType().Name}: {brokeOff.Message}");
        throw AssertionFailure.Create("response", "have events", AssertionFailure.Show(data), shown, Context(response, events));
    }

    private static async IAsyncEnumerable<SseItem<string>> ReadEventsCoreAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    /// <summary>The response, its content type, and each event read in full (type, id, retry, data).</summary>
    private static string Context(HttpResponseMessage response, List<SseItem<string>> events)
    {
        var text = new StringBuilder(HttpResponseMessageAssertions.Describe(response))
            .Append("\n    content-type: ").Append(response.Content.Headers.ContentType?.ToString() ?? "(none)");
        text.Append("\n\nevents read (").Append(events.Count).Append("):");
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            text.Append("\n    #").Append(i).Append(" event: ").Append(e.EventType);
            if (e.EventId is { } id)
            {
                text.Append(", id: ").Append(AssertionFailure.Show(id));
            }

            if (e.ReconnectionInterval is { } retry)
            {
                text.Append(", retry: ").Append((long)retry.TotalMilliseconds).Append(" ms");
            }

            text.Append(", data: ").Append(AssertionFailure.Show(e.Data));
        }

        return text.ToString();
    }
}
