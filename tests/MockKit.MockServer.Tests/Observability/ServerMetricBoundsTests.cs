using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Observability;

/// <summary>
/// The server meter's figures stay meaningful whoever listens and whatever clients send: open
/// connections never go negative for a late listener, and the method tag has a bounded set of values.
/// </summary>
public sealed class ServerMetricBoundsTests
{
    [Fact]
    public async Task A_listener_that_starts_while_a_connection_is_open_never_sees_a_negative_count()
    {
        var logger = new FakeLogger();
        await using var server = new MockWebServer { Logger = logger };
        server.Start();
        var early = await RawConnection.OpenAsync(server);
        await WaitUntilAsync(() => logger.Collector.GetSnapshot().Any(e => e.Id.Id == 2001), "the first connection was accepted");

        using var open = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.open_connections");
        await using (var late = await RawConnection.OpenAsync(server))
        {
            await open.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));
        }

        await early.DisposeAsync();
        await WaitUntilAsync(() => logger.Collector.GetSnapshot().Count(e => e.Id.Id == 2002) == 2, "both connections were closed");

        // The late connection counted +1 and -1; the early one, opened before anyone listened, nothing.
        open.GetMeasurementSnapshot().Select(m => m.Value).ShouldBe([1, -1]);
    }

    [Theory]
    [InlineData("GET", "GET")]
    [InlineData("get", "GET")] // Matched case-insensitively to its canonical name, as the client (and the runtime) do.
    [InlineData("PATCH", "PATCH")]
    [InlineData("BREW", "_OTHER")]
    [InlineData("X-RANDOM-1234", "_OTHER")]
    public async Task The_method_tag_is_a_known_method_or_other(string method, string tag)
    {
        await using var server = new MockWebServer();
        using var requests = new MetricCollector<long>(server, "MockKit.MockServer", "mockkit.server.requests");
        server.Enqueue(new MockResponse("ok") { Headers = { { "Connection", "close" } } });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync($"{method} /pot HTTP/1.1\r\nHost: x\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 200 ");
        requests.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["http.request.method"].ShouldBe(tag);
        server.TakeRequest().Method.ShouldBe(method); // The recording keeps the method as sent.
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, CancellationToken.None); // Polls a condition under a deadline; never a timing assumption.
        }
    }
}
