using System.Net;
using System.Net.ServerSentEvents;
using MockKit.Client;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.EventStreams;

/// <summary>
/// The two ends of the event-stream tests: a server for each protocol ("http/1.1", "h2c", "h2" over
/// TLS) and, for each, a client on the runtime's <see cref="SocketsHttpHandler"/> or our
/// <see cref="InstrumentedHandler"/>, reading with the runtime's <see cref="SseParser"/>.
/// </summary>
internal static class EventStreamPeers
{
    public const string Sockets = "SocketsHttpHandler";
    public const string Instrumented = "InstrumentedHandler";

    /// <summary>A deadline, not a measurement: a stream that never ends fails the test instead of hanging it.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    public static TheoryData<string, string> HandlersAndProtocols => new()
    {
        { Sockets, "http/1.1" }, { Sockets, "h2c" }, { Sockets, "h2" },
        { Instrumented, "http/1.1" }, { Instrumented, "h2c" }, { Instrumented, "h2" },
    };

    public static TheoryData<string> Protocols => ["http/1.1", "h2c", "h2"];

    public static MockWebServer NewServer(string protocol, TimeProvider? time = null)
    {
        var server = new MockWebServer
        {
            TimeProvider = time ?? TimeProvider.System,
            Protocols = protocol switch
            {
                "h2c" => [Protocol.H2PriorKnowledge],
                "h2" => [Protocol.Http2, Protocol.Http11],
                _ => [Protocol.Http11],
            },
        };
        if (protocol == "h2")
        {
            server.UseHttps(Localhost);
        }

        return server;
    }

    public static HttpClient NewClient(string handler, string protocol)
    {
        HttpMessageHandler inner = (handler, protocol) switch
        {
            (Sockets, "h2") => Localhost.CreateSocketsHttpHandler(),
            (Sockets, _) => new SocketsHttpHandler(),
            (_, "h2") => new InstrumentedHandler { Certificates = Localhost },
            (_, "h2c") => new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge] },
            _ => new InstrumentedHandler { Protocols = [Protocol.Http11] },
        };
        return new HttpClient(inner)
        {
            DefaultRequestVersion = protocol == "http/1.1" ? HttpVersion.Version11 : HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Deadline,
        };
    }

    /// <summary>Sends a GET and returns as soon as the head arrived (the body is read as a stream).</summary>
    public static Task<HttpResponseMessage> GetStreamAsync(HttpClient client, Uri url, CancellationToken ct) =>
        client.SendAsync(Request(client, HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead, ct);

    /// <summary>A request in the client's version (SendAsync does not apply the client's defaults to a message).</summary>
    public static HttpRequestMessage Request(HttpClient client, HttpMethod method, Uri url) =>
        new(method, url) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };

    /// <summary>What a reader got: the events, then how the stream ended (null: cleanly).</summary>
    public sealed record ReadResult(List<SseItem<string>> Events, Exception? Failure);

    /// <summary>Reads every event with the runtime's parser until the body ends or fails.</summary>
    public static async Task<ReadResult> ReadAllAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var events = new List<SseItem<string>>();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        try
        {
            await foreach (var item in SseParser.Create(body).EnumerateAsync(ct))
            {
                events.Add(item);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return new ReadResult(events, e);
        }

        return new ReadResult(events, null);
    }

    /// <summary>Three events using every field, a two-line data value among them.</summary>
    public static SseItem<string>[] Sample() =>
    [
        new("hello", "greeting") { EventId = "1" },
        new("line one\nline two") { EventId = "2", ReconnectionInterval = TimeSpan.FromMilliseconds(1500) },
        new("{\"done\":true}", "end") { EventId = "3" },
    ];

    /// <summary><see cref="Sample"/> in the wire format, written out by hand from the WHATWG grammar.</summary>
    public const string SampleWire =
        "event: greeting\ndata: hello\nid: 1\n\n" +
        "data: line one\ndata: line two\nid: 2\nretry: 1500\n\n" +
        "event: end\ndata: {\"done\":true}\nid: 3\n\n";

    public static void ShouldMatch(this IReadOnlyList<SseItem<string>> actual, IReadOnlyList<SseItem<string>> expected)
    {
        actual.Select(e => (e.Data, e.EventType, e.EventId, e.ReconnectionInterval))
            .ShouldBe(expected.Select(e => (e.Data, e.EventType, e.EventId, e.ReconnectionInterval)));
    }
}
