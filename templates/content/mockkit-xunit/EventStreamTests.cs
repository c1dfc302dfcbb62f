#if (XunitV2)
using Xunit.Abstractions;
#endif
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;

namespace MockKitXunit;

/// <summary>
/// Example 6: Server-Sent Events. MockResponse.EventStream serves the runtime's SseItem values as a
/// text/event-stream; DisconnectAfterEvents drops the stream part way, the failure a streaming client
/// (an LLM completion, a live feed) must survive. The client here resumes from Last-Event-ID.
/// </summary>
#if (XunitV3)
public sealed class EventStreamTests : MockKitTest
#else
public sealed class EventStreamTests(ITestOutputHelper output) : MockKitTest(output)
#endif
{
#if (XunitV3)
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

    [Fact]
    public async Task Streams_every_event()
    {
        Server.Enqueue(MockResponse.EventStream([new SseItem<string>("Hello"), new(", world"), new("[DONE]", "done")]));

        using var response = await Client.GetAsync(Server.Url("/v1/completions"), HttpCompletionOption.ResponseHeadersRead, Cancel);

        await response.ShouldHaveEventsAsync("Hello", ", world", "[DONE]");
    }

    [Fact]
    public async Task Resumes_a_dropped_stream_from_the_last_event_id()
    {
        string[] tokens = ["Hel", "lo", ", wor", "ld"];
        var routes = new RouteDispatcher();
        routes.Map("GET", "/v1/completions").Respond((request, _) =>
        {
            var after = int.Parse(request.Headers["Last-Event-ID"] ?? "0", CultureInfo.InvariantCulture);
            var stream = MockResponse.EventStream(tokens.Index().Skip(after).Select(t => new SseItem<string>(t.Item) { EventId = $"{t.Index + 1}" }));
            if (after == 0)
            {
                stream.DisconnectAfterEvents = 2; // the first attempt drops after "Hel", "lo"
            }

            return stream;
        });
        Server.Dispatcher = routes;

        (await CompleteAsync(Server.Url("/v1/completions"))).ShouldBe("Hello, world");

        Server.TakeRequest().Failure.ShouldNotBeNull();
        Server.TakeRequest().ShouldHaveHeader("Last-Event-ID", "2");
    }

    /// <summary>The code under test: reads tokens until the stream ends, reconnecting from the last event id when it drops.</summary>
    private async Task<string> CompleteAsync(Uri url)
    {
        var text = new StringBuilder();
        string? lastEventId = null;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(Cancel);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(Cancel))
                {
                    text.Append(item.Data);
                    lastEventId = item.EventId;
                }

                return text.ToString();
            }
            catch (IOException) when (attempt < 3)
            {
                // Dropped mid-stream: reconnect and ask for what came after the last event seen.
            }
        }
    }
}
