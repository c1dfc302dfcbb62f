using MockKit.Client.Connections;
using MockKit.Client.Tests.Http2Client;
using MockKit.Client.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// A response whose body the caller never reads, disposed: the body still came off the connection
/// (drained to keep an HTTP/1.1 connection reusable, or already received whole on HTTP/2), and
/// <c>ResponseBodyEnd</c> reports those bytes instead of 0.
/// </summary>
public sealed class DrainedBodyEventTests
{
    [Theory]
    [InlineData(10, false)]     // Arrives with the head: dropped from the buffer as the response is disposed.
    [InlineData(10, true)]
    [InlineData(40_000, false)] // More than one read: drained in the background after the dispose.
    [InlineData(40_000, true)]
    public async Task An_unread_http11_body_reports_the_bytes_drained(int length, bool chunked)
    {
        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = events });
        h.Server.Enqueue(new MockResponse(new string('x', length)) { ChunkSize = chunked ? 4096 : null });
        h.Server.Enqueue(new MockResponse("next"));

        using (var response = await h.Client.GetAsync(h.Url("/unread"), HttpCompletionOption.ResponseHeadersRead))
        {
            response.IsSuccessStatusCode.ShouldBeTrue();
        }

        await Eventually.WaitUntilAsync(() => events.EventNames.Contains("ResponseBodyEnd"), "the body was drained");
        BodyEnd(events).ShouldBe($"{length} bytes");
        events.EventNames.Count(e => e == "ResponseBodyStart").ShouldBe(1);

        // Drained, not dropped with its connection: the next call reuses it.
        using var next = await h.Client.GetAsync(h.Url("/next"));
        next.GetExchange().SequenceNumber.ShouldBe(1);
    }

    [Fact]
    public async Task A_partly_read_http11_body_reports_what_was_read_and_what_was_drained()
    {
        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = events });
        h.Server.Enqueue(new MockResponse(new string('x', 1000)));

        using (var response = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            (await body.ReadAsync(new byte[100])).ShouldBeGreaterThan(0);
        }

        await Eventually.WaitUntilAsync(() => events.EventNames.Contains("ResponseBodyEnd"), "the body was drained");
        BodyEnd(events).ShouldBe("1000 bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unread_http2_body_that_arrived_whole_reports_its_bytes(bool tls)
    {
        var events = new RecordingEventListener();
        var certificates = HandshakeCertificates.Localhost();
        await using var server = new MockWebServer();
        if (tls)
        {
            server.UseHttps(certificates);
        }
        else
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        server.Enqueue(new MockResponse(new string('x', 10_000))); // One DATA frame (within SETTINGS_MAX_FRAME_SIZE).
        server.Enqueue(new MockResponse("next"));
        await server.StartAsync();
        // A manual clock: the PING below waits for its ACK however slow the machine is.
        using var handler = new InstrumentedHandler
        {
            TimeProvider = new FakeTimeProvider(),
            EventListener = events,
            Certificates = tls ? certificates : null,
            Protocols = tls ? [Protocol.Http2] : [Protocol.H2PriorKnowledge],
        };
        using var client = new HttpClient(handler);

        using (var response = await client.GetAsync(H2Harness.Url(server, "/unread"), HttpCompletionOption.ResponseHeadersRead))
        {
            // The server queued HEADERS and the one DATA frame with END_STREAM as one item (the body fits a
            // frame and the windows) before it read our PING, and its single writer sends frames in order:
            // once the ACK is back, the whole body arrived.
            var connection = (Http2Connection)handler.Pool.OpenConnections.ShouldHaveSingleItem();
            (await connection.PingAsync()).ShouldBeTrue();
            events.EventNames.ShouldNotContain("ResponseBodyStart", "nothing was read");
        }

        BodyEnd(events).ShouldBe("10000 bytes");
        events.EventNames.Count(e => e == "ResponseBodyStart").ShouldBe(1);
        handler.Pool.Connections.ShouldHaveSingleItem().ActiveStreams.ShouldBe(0);

        // Complete, not canceled: the connection carries on with the next stream.
        using var next = await client.GetAsync(H2Harness.Url(server, "/next"));
        (await next.Content.ReadAsStringAsync()).ShouldBe("next");
        next.GetExchange().SequenceNumber.ShouldBe(1);
    }

    private static string? BodyEnd(RecordingEventListener events) => events.Events.Single(e => e.Name == "ResponseBodyEnd").Detail;
}
