using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class EventListenerTests
{
    [Fact]
    public async Task Fresh_and_reused_calls_raise_events_in_order()
    {
        var listener = new RecordingEventListener();
        var handler = ClientHarness.HandlerWithRoutes(1);
        handler.EventListener = listener;
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse("fresh"));
        h.Server.Enqueue(new MockResponse("reused"));

        (await h.Client.GetStringAsync(h.LocalhostUrl("/"))).ShouldBe("fresh");

        listener.EventNames.ShouldBe(
        [
            "CallStart", "ProxySelectStart", "ProxySelectEnd", "DnsStart", "DnsEnd", "ConnectStart", "ConnectEnd",
            "ConnectionAcquired", "RequestHeadersStart", "RequestHeadersEnd", "ResponseHeadersStart", "ResponseHeadersEnd", "FollowUpDecision",
            "ResponseBodyStart", "ResponseBodyEnd", "ConnectionReleased", "CallEnd",
        ]);
        listener.Events.Select(e => e.CallId).Distinct().ShouldHaveSingleItem();
        listener.Clear();

        (await h.Client.GetStringAsync(h.LocalhostUrl("/"))).ShouldBe("reused");

        listener.EventNames.ShouldBe(
        [
            "CallStart", "ConnectionAcquired", "RequestHeadersStart", "RequestHeadersEnd", "ResponseHeadersStart",
            "ResponseHeadersEnd", "FollowUpDecision", "ResponseBodyStart", "ResponseBodyEnd", "ConnectionReleased", "CallEnd",
        ]);
        listener.Events.Single(e => e.Name == "ConnectionAcquired").Detail!.ShouldEndWith("reused=True");
    }

    [Fact]
    public async Task Https_calls_include_the_secure_connect_phase_and_request_bodies_their_own_events()
    {
        var certificates = MockKit.Tls.HandshakeCertificates.Localhost();
        var listener = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Certificates = certificates, EventListener = listener }, s => s.UseHttps(certificates));
        h.Server.Enqueue(new MockResponse("ok"));

        (await h.Client.PostAsync(h.Url("/"), new StringContent("body"))).Dispose();

        listener.EventNames.ShouldBe(
        [
            "CallStart", "ProxySelectStart", "ProxySelectEnd", "ConnectStart", "SecureConnectStart", "SecureConnectEnd", "ConnectEnd",
            "ConnectionAcquired", "RequestHeadersStart", "RequestHeadersEnd", "RequestBodyStart", "RequestBodyEnd",
            "ResponseHeadersStart", "ResponseHeadersEnd", "FollowUpDecision", "ResponseBodyStart", "ResponseBodyEnd", "ConnectionReleased", "CallEnd",
        ]);
    }

    [Fact]
    public async Task Timestamps_come_from_the_handlers_time_provider()
    {
        var time = new ObservableTimeProvider();
        var listener = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { TimeProvider = time, EventListener = listener });
        h.Server.Enqueue(new MockResponse("ok"));

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("ok");

        listener.Events.ShouldAllBe(e => e.Timestamp == time.GetUtcNow());
    }

    [Fact]
    public async Task A_failed_connect_raises_connect_failed_and_call_failed()
    {
        var listener = new RecordingEventListener();
        using var client = new HttpClient(new InstrumentedHandler { EventListener = listener, RetryOnConnectionFailure = false });
        using var refused = new RefusingPort();

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{refused.Port}/"));

        failure.Message.ShouldContain($"127.0.0.1:{refused.Port}");
        failure.HttpRequestError.ShouldBe(HttpRequestError.ConnectionError);
        listener.EventNames.ShouldBe(["CallStart", "ProxySelectStart", "ProxySelectEnd", "ConnectStart", "ConnectFailed", "CallFailed"]);
    }
}
