using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MockKit.MockServer.Tests.Support;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Tests.Observability;

/// <summary>
/// A dispatcher's verdict (a route miss, a forward's 502) and a refused WebSocket handshake fail a
/// request after it was recorded: the meter and the logger must see that final outcome, a failure
/// (<c>mockkit.server.failures</c>, log event 2004), not the request as first recorded (2003).
/// </summary>
public sealed class OutcomeObservationTests
{
    [Fact]
    public async Task A_route_miss_is_counted_as_a_failure_and_logged_as_one()
    {
        var logger = new FakeLogger();
        await using var server = new MockWebServer { Logger = logger, Dispatcher = new RouteDispatcher() };
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.GetAsync(server.Url("/nowhere"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        ShouldBeObservedAsFailure<UnmatchedRequestException>(failures, logger);
    }

    [Fact]
    public async Task A_forward_that_fails_upstream_is_counted_as_a_failure_and_logged_as_one()
    {
        var logger = new FakeLogger();
        using var refused = new RefusingPort();
        using var upstream = new SocketsHttpHandler();
        await using var server = new MockWebServer { Logger = logger, Dispatcher = Dispatcher.Forward(upstream, new Uri($"http://127.0.0.1:{refused.Port}/")) };
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.PostAsync(server.Url("/down"), new StringContent("body"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        ShouldBeObservedAsFailure<HttpRequestException>(failures, logger);
    }

    [Fact]
    public async Task A_refused_websocket_handshake_is_counted_as_a_failure_and_logged_as_one()
    {
        var logger = new FakeLogger();
        await using var server = new MockWebServer { Logger = logger };
        using var failures = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.failures");
        server.Enqueue(new MockResponse { WebSocketHandler = (_, _) => Task.CompletedTask });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 400 ");
        ShouldBeObservedAsFailure<WebSocketHandshakeException>(failures, logger);
    }

    [Fact]
    public async Task An_accepted_websocket_is_logged_as_received_once()
    {
        var logger = new FakeLogger();
        await using var server = new MockWebServer { Logger = logger };
        using var requests = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.requests");
        server.Enqueue(new MockResponse { WebSocketHandler = (_, _) => Task.CompletedTask });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 101 ");
        requests.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["http.request.method"].ShouldBe("GET");
        logger.Collector.GetSnapshot().Where(e => e.Id.Id is 2003 or 2004).ShouldHaveSingleItem().Id.Id.ShouldBe(2003);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_duplex_exchange_claimed_on_arrival_is_recorded_and_observed_once(bool http2)
    {
        var logger = new FakeLogger();
        await using var server = new MockWebServer { Logger = logger };
        if (http2)
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        using var requests = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.requests");
        server.Enqueue(new MockResponse
        {
            DuplexHandler = async (requestBody, responseBody, ct) =>
            {
                await requestBody.CopyToAsync(responseBody, ct);
            },
        });
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url("/echo"))
        {
            Content = new StringContent("ping"),
            Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);

        (await response.Content.ReadAsStringAsync()).ShouldBe("ping");
        server.TakeRequest().BodyText.ShouldBe("ping");

        // Recorded (TakeRequest saw it) and observed just after: once observed, it must be the only
        // observation. The observation counts the metric, then writes the log entry, so the wait is
        // for both (waiting for the metric alone raced the log entry).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (requests.GetMeasurementSnapshot().Count == 0 || !logger.Collector.GetSnapshot().Any(e => e.Id.Id is 2003 or 2004))
        {
            await Task.Delay(10, deadline.Token);
        }

        requests.GetMeasurementSnapshot().ShouldHaveSingleItem();
        logger.Collector.GetSnapshot().Where(e => e.Id.Id is 2003 or 2004).ShouldHaveSingleItem().Id.Id.ShouldBe(2003);
        server.RequestCount.ShouldBe(1);
    }

    // The outcome is observed before the first response byte, so by the time the client has the
    // response both the failure measurement and the log entry exist: no waiting needed.
    private static void ShouldBeObservedAsFailure<TFailure>(MetricCollector<long> failures, FakeLogger logger)
        where TFailure : Exception
    {
        failures.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["error.type"].ShouldBe(typeof(TFailure).FullName);
        var entries = logger.Collector.GetSnapshot().Where(e => e.Id.Id is 2003 or 2004).ToList();
        var entry = entries.ShouldHaveSingleItem();
        entry.Id.Id.ShouldBe(2004);
        entry.Level.ShouldBe(LogLevel.Warning);
        entry.Exception.ShouldBeOfType<TFailure>();
    }
}
