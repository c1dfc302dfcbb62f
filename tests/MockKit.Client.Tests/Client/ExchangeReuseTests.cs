using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// An HTTP/1 connection reuses its last clean exchange object for its next exchange (Exchange.Begin).
/// Each test runs a clean first exchange, then a second one on the same connection (the reused object)
/// whose outcome depends on one piece of per-exchange state having been reset.
/// </summary>
public sealed class ExchangeReuseTests
{
    [Fact]
    public async Task A_reused_exchange_arms_its_read_timeout_again()
    {
        // Fails if the released flag survives the reuse: Arm ignores a released exchange, so the
        // second read would wait forever instead of timing out.
        var time = new ObservableTimeProvider();
        var handler = new InstrumentedHandler
        {
            TimeProvider = time,
            ReadTimeout = TimeSpan.FromSeconds(5),
            WriteTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = Timeout.InfiniteTimeSpan,
        };
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });
        (await h.Client.GetStringAsync(h.Url("/1"))).ShouldBe("first");

        var call = h.Client.GetAsync(h.Url("/2"));
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(5)); // The second exchange's armed read timeout.
        time.Advance(TimeSpan.FromSeconds(6));

        var failure = await Should.ThrowAsync<HttpRequestException>(call);
        failure.Message.ShouldContain("read timed out");
        h.Server.TakeRequest().SequenceNumber.ShouldBe(0);
        h.Server.TakeRequest().SequenceNumber.ShouldBe(1, "the second request went on the reused connection");
    }

    [Fact]
    public async Task A_reused_exchange_has_not_started_its_request()
    {
        // Fails if RequestStarted survives the reuse: a request refused before any byte was written
        // would then count as half-sent and close the connection.
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse("third"));
        (await h.Client.GetStringAsync(h.Url("/1"))).ShouldBe("first");
        using var refused = new HttpRequestMessage(HttpMethod.Get, h.Url("/2"));
        refused.Headers.TryAddWithoutValidation("X-Injected", "a\r\nEvil: 1").ShouldBeTrue();

        await Should.ThrowAsync<HttpRequestException>(() => h.Client.SendAsync(refused));
        using var third = await h.Client.GetAsync(h.Url("/3"));

        (await third.Content.ReadAsStringAsync()).ShouldBe("third");
        third.GetExchange().ConnectionReused.ShouldBeTrue("nothing of the refused request was written");
        third.GetExchange().SequenceNumber.ShouldBe(2, "the refused request had number 1 on this connection");
        h.Server.TakeRequest();
        h.Server.TakeRequest().SequenceNumber.ShouldBe(1, "the server saw two requests on one connection");
    }

    [Fact]
    public async Task A_reused_exchange_has_received_no_response_bytes()
    {
        // Fails if ResponseBytesReceived survives the reuse: the stale connection's failure would then
        // look like one in the middle of a response and not be retried.
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("first"));
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        h.Server.Enqueue(new MockResponse("retried"));
        (await h.Client.GetStringAsync(h.Url("/1"))).ShouldBe("first");

        (await h.Client.GetStringAsync(h.Url("/2"))).ShouldBe("retried");
    }
}
