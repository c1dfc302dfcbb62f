using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging.Testing;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Observability;

/// <summary>
/// Log entries, exception messages and the server's traffic log show URIs as the runtime's HttpClient
/// logging does (user info removed, query replaced by *) unless the handler opts in to full URIs;
/// proxy credentials never appear.
/// </summary>
public sealed class ClientLogRedactionTests
{
    private const string SecretUrl = "http://alice:SECRET-PW@origin.test/path?access_token=SECRET-TOKEN";

    [Fact]
    public async Task Query_strings_user_info_and_proxy_credentials_stay_out_of_the_logs_by_default()
    {
        var logger = new FakeLogger();
        var traffic = new ConcurrentQueue<string>();
        await using var h = await ClientHarness.StartAsync(configure: server => server.TrafficLog = traffic.Enqueue);
        var proxy = new WebProxy(new Uri($"http://alice:SECRET-PROXY@127.0.0.1:{h.Server.Port}/")) { BypassProxyOnLocal = false };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Dns = new StaticDns(), Logger = logger });
        h.Server.Enqueue(new MockResponse("proxied"));

        (await client.GetStringAsync(SecretUrl)).ShouldBe("proxied");

        var entries = logger.Collector.GetSnapshot();
        entries.Single(e => e.Id.Id == 1000).GetStructuredStateValue("Url").ShouldBe("http://origin.test/path?*");
        entries.Single(e => e.Id.Id == 1002).Message.ShouldContain("via proxy http://127.0.0.1:");
        var logged = string.Join("\n", entries.Select(e => e.Message + " " + string.Join(" ", e.StructuredState?.Select(s => s.Value) ?? [])));
        logged.ShouldNotContain("SECRET");
        string.Join("\n", traffic).ShouldNotContain("SECRET");
        string.Join("\n", traffic).ShouldContain("GET http://origin.test/path?* HTTP/1.1");
    }

    [Fact]
    public async Task DisableUriRedaction_logs_the_full_URI_but_never_the_proxy_credentials()
    {
        var logger = new FakeLogger();
        await using var h = await ClientHarness.StartAsync();
        var proxy = new WebProxy(new Uri($"http://alice:SECRET-PROXY@127.0.0.1:{h.Server.Port}/")) { BypassProxyOnLocal = false };
        using var client = new HttpClient(new InstrumentedHandler { Proxy = proxy, Dns = new StaticDns(), Logger = logger, DisableUriRedaction = true });
        h.Server.Enqueue(new MockResponse("proxied"));

        (await client.GetStringAsync(SecretUrl)).ShouldBe("proxied");

        var entries = logger.Collector.GetSnapshot();
        entries.Single(e => e.Id.Id == 1000).GetStructuredStateValue("Url").ShouldBe(new Uri(SecretUrl).ToString());
        string.Join("\n", entries.Select(e => e.Message)).ShouldNotContain("SECRET-PROXY");
    }

    [Fact]
    public async Task A_call_timeout_message_shows_the_URI_redacted()
    {
        var time = new ObservableTimeProvider();
        var handler = new InstrumentedHandler { TimeProvider = time, CallTimeout = TimeSpan.FromSeconds(5), ConnectTimeout = Timeout.InfiniteTimeSpan };
        await using var h = await ClientHarness.StartAsync(handler);
        h.Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.NoResponse });

        var call = h.Client.GetAsync(h.Url("/slow?access_token=SECRET-TOKEN"));
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(5)); // The call timeout.
        time.Advance(TimeSpan.FromSeconds(5));

        var failure = await Catch.ExceptionAsync<TaskCanceledException>(call);
        failure.Message.ShouldBe($"The call to http://127.0.0.1:{h.Server.Port}/slow?* timed out after 5 s.");
    }
}
