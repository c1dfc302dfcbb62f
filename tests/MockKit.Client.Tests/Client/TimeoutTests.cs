using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class TimeoutTests
{
    [Fact]
    public async Task Read_timeout_fails_the_call_and_closes_the_connection()
    {
        var time = new ObservableTimeProvider();
        var handler = new InstrumentedHandler
        {
            TimeProvider = time,
            ReadTimeout = TimeSpan.FromSeconds(5),
            WriteTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = Timeout.InfiniteTimeSpan, // Only the read timer and the pool's may be pending below.
        };
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });

        var call = h.Client.GetAsync(h.Url("/"));
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(5)); // The armed read timeout.
        time.Advance(TimeSpan.FromSeconds(6));

        var failure = await Should.ThrowAsync<HttpRequestException>(call);
        failure.Message.ShouldContain("read timed out");
        failure.InnerException.ShouldBeOfType<TimeoutException>();
        await Eventually.WaitUntilAsync(() => h.Pool.ConnectionCount == 0, "the timed-out connection closes");
    }

    [Fact]
    public async Task Call_timeout_cancels_the_call()
    {
        var time = new ObservableTimeProvider();
        var handler = new InstrumentedHandler { TimeProvider = time, CallTimeout = TimeSpan.FromSeconds(5), ConnectTimeout = Timeout.InfiniteTimeSpan };
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });

        var call = h.Client.GetAsync(h.Url("/"));
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(5)); // The call timeout.
        time.Advance(TimeSpan.FromSeconds(5));

        var failure = await Catch.ExceptionAsync<TaskCanceledException>(call);
        failure.InnerException.ShouldBeOfType<TimeoutException>(failure.ToString());
        await Eventually.WaitUntilAsync(() => h.Pool.ConnectionCount == 0, "the cancelled connection closes");
    }

    [Fact]
    public async Task Cancelling_while_waiting_for_headers_releases_the_connection()
    {
        var listener = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = listener });
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        using var cts = new CancellationTokenSource();

        var call = h.Client.GetAsync(h.Url("/"), cts.Token);
        await Eventually.WaitUntilAsync(() => listener.EventNames.Contains("ResponseHeadersStart"), "the request is sent");
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(call);
        await Eventually.WaitUntilAsync(() => h.Pool.ConnectionCount == 0, "the cancelled connection closes");
        listener.EventNames.ShouldContain("Canceled");
        listener.EventNames[^1].ShouldBe("CallFailed");
    }

    [Fact]
    public async Task Cancelling_a_body_read_releases_the_connection()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("0123456789") { Throttle = new Throttle(5, TimeSpan.FromHours(1)) });
        using var response = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[10];
        var read = 0;
        while (read < 5)
        {
            read += await stream.ReadAsync(buffer.AsMemory(read));
        }

        using var cts = new CancellationTokenSource();
        var pending = stream.ReadAsync(buffer.AsMemory(read), cts.Token);
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(pending.AsTask());
        h.Pool.ConnectionCount.ShouldBe(0);
    }
}
