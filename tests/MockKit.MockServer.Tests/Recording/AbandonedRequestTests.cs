using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using MockKit.Client;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>
/// A request the client abandons while its response is being written (a cancelled call, a hedging
/// loser, an attempt timeout) is recorded with a failure saying what the client did: over HTTP/2
/// "the client reset the stream (CANCEL)", over HTTP/1.1 "the client closed the connection before
/// the response". The request was counted as it was dispatched; its failure is counted once more
/// (<c>mockkit.server.failures</c>) and logged once (event 2004). The response is a large throttled
/// body, so the server is still writing when the client walks away, whichever client it is.
/// </summary>
public sealed class AbandonedRequestTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    [Theory]
    [InlineData("http/1.1", "the client closed the connection before the response")]
    [InlineData("h2c", "the client reset the stream (CANCEL)")]
    [InlineData("h2", "the client reset the stream (CANCEL)")]
    public async Task A_response_the_runtime_client_abandons_is_recorded_with_the_failure(string protocol, string expected)
    {
        var logger = new FakeLogger();
        await using var server = Server(protocol, logger);
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        using var handler = protocol == "h2" ? Localhost.CreateSocketsHttpHandler() : new SocketsHttpHandler();

        // No draining of the unread body on dispose: the connection is closed at once, as a cancel does.
        handler.MaxResponseDrainSize = 0;
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

        await ReadABitAndWalkAwayAsync(client, server, protocol);

        var recorded = await TakeFailedAsync(server, failures);
        recorded.Failure.ShouldBeOfType<IOException>().Message.ShouldContain(expected, Case.Insensitive);
        await ShouldBeObservedOnceAsync(failures, logger);
    }

    [Theory]
    [InlineData("http/1.1", "the client closed the connection before the response")]
    [InlineData("h2c", "the client reset the stream (CANCEL)")]
    public async Task A_response_the_instrumented_handler_abandons_is_recorded_with_the_failure(string protocol, string expected)
    {
        var logger = new FakeLogger();
        await using var server = Server(protocol, logger);
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        var handler = new InstrumentedHandler { Protocols = protocol == "h2c" ? [Protocol.H2PriorKnowledge] : [Protocol.Http11] };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

        await ReadABitAndWalkAwayAsync(client, server, protocol);

        var recorded = await TakeFailedAsync(server, failures);
        recorded.Failure.ShouldBeOfType<IOException>().Message.ShouldContain(expected, Case.Insensitive);
        await ShouldBeObservedOnceAsync(failures, logger);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("h2")]
    public async Task A_call_cancelled_before_its_response_is_recorded_with_the_reset(string protocol)
    {
        // The response waits (HeadersDelay) until the client gives up; over HTTP/2 the cancel is a
        // RST_STREAM(CANCEL) the server sees at once. (Over HTTP/1.1 a client that closes before any
        // response byte is noticed only if a write fails, which a small response's does not.)
        var logger = new FakeLogger();
        await using var server = Server(protocol, logger);
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        using var handler = protocol == "h2" ? Localhost.CreateSocketsHttpHandler() : new SocketsHttpHandler();
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        server.Enqueue(new MockResponse("too late") { HeadersDelay = TimeSpan.FromMinutes(5) });

        using var cancel = new CancellationTokenSource();
        using var request = Request(server, protocol);
        var call = client.SendAsync(request, cancel.Token);
        var recorded = server.TakeRequest();
        await cancel.CancelAsync();
        await Should.ThrowAsync<TaskCanceledException>(call);

        await TakeFailedAsync(recorded, failures);
        recorded.Failure.ShouldBeOfType<IOException>().Message.ShouldContain("the client reset the stream (CANCEL)", Case.Insensitive);
        await ShouldBeObservedOnceAsync(failures, logger);
    }

    [Theory]
    [InlineData("http/1.1")]
    [InlineData("h2c")]
    [InlineData("h2")]
    public async Task A_response_read_to_its_end_is_recorded_without_a_failure(string protocol)
    {
        var logger = new FakeLogger();
        await using var server = Server(protocol, logger);
        using var handler = protocol == "h2" ? Localhost.CreateSocketsHttpHandler() : new SocketsHttpHandler();
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        server.Enqueue(new MockResponse("whole"));

        using var request = Request(server, protocol);
        using var response = await client.SendAsync(request);
        (await response.Content.ReadAsStringAsync()).ShouldBe("whole");

        // The next exchange on the same server shows the first one was settled without a failure.
        server.Enqueue(new MockResponse("second"));
        using var second = Request(server, protocol);
        using var secondResponse = await client.SendAsync(second);
        server.TakeRequest().Failure.ShouldBeNull();
        server.TakeRequest().Failure.ShouldBeNull();
        logger.Collector.GetSnapshot().ShouldNotContain(e => e.Id.Id == 2004);
    }

    private static MockWebServer Server(string protocol, FakeLogger logger)
    {
        var server = new MockWebServer { Logger = logger };
        if (protocol == "h2")
        {
            server.UseHttps(Localhost);
        }
        else if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        return server;
    }

    private static HttpRequestMessage Request(MockWebServer server, string protocol) => new(HttpMethod.Get, server.Url("/abandoned"))
    {
        Version = protocol == "http/1.1" ? HttpVersion.Version11 : HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Starts a 4 MiB response written 16 KiB at a time, reads its first bytes, and disposes it.</summary>
    private static async Task ReadABitAndWalkAwayAsync(HttpClient client, MockWebServer server, string protocol)
    {
        server.Enqueue(new MockResponse { Body = new byte[4 << 20], Throttle = new Throttle(16 << 10, TimeSpan.FromMilliseconds(5)) });
        using var deadline = new CancellationTokenSource(Deadline);
        using var request = Request(server, protocol);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        (await stream.ReadAsync(new byte[1024], deadline.Token)).ShouldBeGreaterThan(0);
        response.Dispose();
    }

    /// <summary>
    /// The one recorded request, once the server has seen the client walk away: its failure is set, and
    /// counted, when the server's next write fails or the reset arrives.
    /// </summary>
    private static async Task<RecordedRequest> TakeFailedAsync(MockWebServer server, MetricCollector<long> failures) =>
        await TakeFailedAsync(server.TakeRequest(), failures);

    private static async Task<RecordedRequest> TakeFailedAsync(RecordedRequest recorded, MetricCollector<long> failures)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (recorded.Failure is null || failures.GetMeasurementSnapshot().Count == 0)
        {
            await Task.Delay(10, deadline.Token);
        }

        return recorded;
    }

    private static async Task ShouldBeObservedOnceAsync(MetricCollector<long> failures, FakeLogger logger)
    {
        // The late failure is counted, then logged: the metric seen does not mean the log entry is
        // written yet (1 whole-suite run in 20 looked in between), so wait for it too.
        using var deadline = new CancellationTokenSource(Deadline);
        while (!logger.Collector.GetSnapshot().Any(e => e.Id.Id == 2004))
        {
            await Task.Delay(10, deadline.Token);
        }

        failures.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["error.type"].ShouldBe(typeof(IOException).FullName);
        logger.Collector.GetSnapshot().Where(e => e.Id.Id == 2004).ShouldHaveSingleItem();
    }
}
