using System.Net;
using System.Net.Sockets;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class FailureTests
{
    [Fact]
    public async Task A_malformed_response_is_a_protocol_error_that_is_not_retried()
    {
        using var raw = new RawHttpServer("HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\n");
        var listener = new RecordingEventListener();
        var handler = new InstrumentedHandler { EventListener = listener };
        using var client = new HttpClient(handler);

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{raw.Port}/"));

        failure.HttpRequestError.ShouldBe(HttpRequestError.InvalidResponse);
        failure.Message.ShouldContain($"127.0.0.1:{raw.Port}");
        failure.Message.ShouldContain("Content-Length");
        listener.EventNames.Count(n => n == "ConnectionAcquired").ShouldBe(1);
        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task More_than_twenty_follow_ups_fail_the_call()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Dispatcher = Dispatcher.From(_ => new MockResponse(302) { Headers = { { "Location", "/again" } } });

        var failure = await Should.ThrowAsync<HttpRequestException>(() => h.Client.GetAsync(h.Url("/")));

        failure.Message.ShouldContain("Too many follow-up requests: 21");
        h.Server.RequestCount.ShouldBe(21);
        h.Pool.ConnectionCount.ShouldBe(1, "every redirect reused the one connection");
    }

    [Fact]
    public async Task Without_100_continue_the_body_is_sent_after_the_expect_timeout()
    {
        var time = new ObservableTimeProvider();
        var handler = new InstrumentedHandler { TimeProvider = time, ConnectTimeout = Timeout.InfiniteTimeSpan, ExpectContinueTimeout = TimeSpan.FromSeconds(1) };
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse("got it"));
        using var request = new HttpRequestMessage(HttpMethod.Post, h.Url("/")) { Content = new StringContent("late body") };
        request.Headers.ExpectContinue = true;

        var call = h.Client.SendAsync(request);
        // Other timers (read and write timeouts) may be pending too; wait for the 100-continue one.
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(1));
        h.Server.RequestCount.ShouldBe(0, "the server waits for the body the client holds back");
        time.Advance(TimeSpan.FromSeconds(1));

        using var response = await call;
        (await response.Content.ReadAsStringAsync()).ShouldBe("got it");
        h.Server.TakeRequest().BodyText.ShouldBe("late body");
    }

    [Fact]
    public async Task Write_timeout_fails_a_body_the_server_never_reads()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptSocketAsync();
        var time = new ObservableTimeProvider();
        var handler = new InstrumentedHandler { TimeProvider = time, ConnectTimeout = Timeout.InfiniteTimeSpan, WriteTimeout = TimeSpan.FromSeconds(5) };
        using var client = new HttpClient(handler);

        var call = client.PostAsync($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/", new ByteArrayContent(new byte[32 * 1024 * 1024]));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!call.IsCompleted && DateTime.UtcNow < deadline)
        {
            // A pending write timer beside the pool's means a write is in flight; once the
            // socket buffers are full it stays pending and this advance fires it.
            if (time.PendingTimerCount >= 2)
            {
                time.Advance(TimeSpan.FromSeconds(6));
            }

            await Task.Delay(5);
        }

        var failure = await Should.ThrowAsync<HttpRequestException>(call);
        failure.Message.ShouldContain("write timed out");
        failure.InnerException.ShouldBeOfType<TimeoutException>();
        handler.Pool.ConnectionCount.ShouldBe(0);
        (await accepted).Dispose();
    }
}
