using System.Net.ServerSentEvents;
using System.Text;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Assertions.Tests;

/// <summary>
/// The README's Server-Sent Events example: a client that resumes a dropped completion stream from
/// <c>Last-Event-ID</c>, tested against a route that drops the first stream after two tokens and
/// serves the rest on the reconnect. Keep the two in step.
/// </summary>
public sealed class ReadmeEventStreamExampleTests
{
    [Fact]
    public async Task The_client_resumes_a_dropped_completion_from_its_last_event_id()
    {
        await using var server = new MockWebServer();
        string[] tokens = ["Hello", ", ", "wor", "ld", "!"];
        var routes = new RouteDispatcher();
        routes.Map("GET", "/v1/completions").Respond((request, _) =>
        {
            var after = int.Parse(request.Headers["Last-Event-ID"] ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var stream = MockResponse.EventStream(
                tokens.Index().Skip(after).Select(t => new SseItem<string>(t.Item) { EventId = $"{t.Index + 1}" }));
            if (after == 0)
            {
                stream.DisconnectAfterEvents = 2; // the first stream drops after "Hello", ", "
            }

            return stream;
        });
        server.Dispatcher = routes;
        using var http = new HttpClient(new InstrumentedHandler());
        var completions = new CompletionClient(http, server.Url("/v1/completions"));

        (await completions.CompleteAsync()).ShouldBe("Hello, world!");

        server.TakeRequest().Failure.ShouldBeOfType<SocketPolicyException>().Trigger.ShouldBe("DisconnectAfterEvents");
        server.TakeRequest().ShouldHaveHeader("Last-Event-ID", "2");
    }

    /// <summary>The code under test: reads a completion's tokens and, when the stream drops, reconnects from the last id it saw.</summary>
    private sealed class CompletionClient(HttpClient http, Uri url)
    {
        public async Task<string> CompleteAsync(CancellationToken ct = default)
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

                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                try
                {
                    await using var body = await response.Content.ReadAsStreamAsync(ct);
                    await foreach (var token in SseParser.Create(body).EnumerateAsync(ct))
                    {
                        text.Append(token.Data);
                        lastEventId = token.EventId;
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
}
