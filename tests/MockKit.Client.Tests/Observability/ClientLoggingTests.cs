using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Observability;

public sealed class ClientLoggingTests
{
    [Fact]
    public async Task A_call_is_logged_as_structured_entries_with_named_values()
    {
        var logger = new FakeLogger();
        var events = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Logger = logger, EventListener = events });
        h.Server.Enqueue(new MockResponse("ok"));

        (await h.Client.GetStringAsync(h.Url("/logged"))).ShouldBe("ok");

        var entries = logger.Collector.GetSnapshot();
        entries.Select(e => e.Id.Id).ShouldBe([1000, 1002, 1004, 1006, 1007, 1009, 1010, 1011, 1012]);
        var start = entries[0];
        start.Level.ShouldBe(LogLevel.Information);
        start.GetStructuredStateValue("Method").ShouldBe("GET");
        start.GetStructuredStateValue("Url").ShouldBe(h.Url("/logged").ToString());
        var response = entries.Single(e => e.Id.Id == 1009);
        response.Level.ShouldBe(LogLevel.Debug);
        response.GetStructuredStateValue("StatusCode").ShouldBe("200");
        var acquired = entries.Single(e => e.Id.Id == 1006);
        acquired.GetStructuredStateValue("Reused").ShouldBe("False");
        entries.Select(e => e.GetStructuredStateValue("CallId")).Distinct().ShouldHaveSingleItem();

        // The handler's own listener still sees every event.
        events.EventNames.ShouldContain("CallEnd");
    }

    [Fact]
    public async Task A_failed_call_is_a_warning_carrying_the_exception()
    {
        var logger = new FakeLogger();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { Logger = logger, RetryOnConnectionFailure = false });
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });

        await Should.ThrowAsync<HttpRequestException>(() => h.Client.GetAsync(h.Url("/fails")));

        var failed = logger.Collector.GetSnapshot().Single(e => e.Id.Id == 1013);
        failed.Level.ShouldBe(LogLevel.Warning);
        failed.Exception.ShouldBeAssignableTo<HttpRequestException>();
    }

    [Fact]
    public async Task The_logger_is_frozen_at_the_first_send_like_every_setting()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("ok"));
        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("ok");

        Should.Throw<InvalidOperationException>(() => h.Handler.Logger = new FakeLogger());
    }
}
