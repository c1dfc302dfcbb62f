using Microsoft.Extensions.DependencyInjection;
using MockKit.Assertions;
using MockKit.MockServer;
using Xunit.Abstractions;

namespace MockKit.Xunit.Tests;

/// <summary>
/// MockKitTest's IHttpClientFactory helpers, driven by hand: the clients of a service collection reach
/// the test's server, and each client name gets the end-of-test leak check MockKitTest runs on its own client.
/// </summary>
public sealed class FactoryClientsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_response_a_factory_client_never_disposed_fails_the_test_naming_the_client()
    {
        var test = new Probe(output) { Release = TimeSpan.FromMilliseconds(100) };
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("never read"));
        var services = test.Build(s => s.AddHttpClient("orders"));
        var leaked = await services.GetRequiredService<IHttpClientFactory>().CreateClient("orders").GetAsync("/orders", HttpCompletionOption.ResponseHeadersRead);

        var failure = await Should.ThrowAsync<InvalidOperationException>(test.DisposeAsync);

        failure.Message.ShouldStartWith("Client 'orders' should have no allocated connections when the test ends (was every response disposed?), but 1 connection(s) are still allocated");
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
        leaked.Dispose();
    }

    [Fact]
    public async Task A_typed_client_that_disposes_its_responses_passes_and_its_provider_is_disposed_with_the_test()
    {
        var lines = new RecordingOutput(output);
        var test = new Probe(lines);
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("""{"id":7}"""));
        var services = test.Build(s => s.AddHttpClient<UsersClient>());

        (await services.GetRequiredService<UsersClient>().GetAsync(7)).ShouldBe("""{"id":7}""");
        test.ServerUnderTest.TakeRequest().ShouldHavePath("/users/7");

        await test.DisposeAsync();
        Should.Throw<ObjectDisposedException>(() => services.GetRequiredService<UsersClient>());
        lines.Text.ShouldContain("client UsersClient | call ");
        lines.Text.ShouldContain(" CallEnd");
    }

    [Fact]
    public async Task A_collection_the_application_builds_itself_is_wired_and_checked_too()
    {
        var test = new Probe(output) { Release = TimeSpan.FromMilliseconds(100) };
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("first"));
        test.ServerUnderTest.Enqueue(new MockResponse("leaked"));
        var services = new ServiceCollection();
        services.AddHttpClient<UsersClient>();
        services.AddHttpClient("named", c => c.BaseAddress = test.ServerUnderTest.Url("/api/"));
        await using (var provider = test.AddClients(services).BuildServiceProvider())
        {
            (await provider.GetRequiredService<UsersClient>().GetAsync(1)).ShouldBe("first");
            var leaked = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("named").GetAsync("x", HttpCompletionOption.ResponseHeadersRead);
            test.ServerUnderTest.TakeRequest().ShouldHavePath("/users/1");
            test.ServerUnderTest.TakeRequest().ShouldHavePath("/api/x");
            provider.GetMockKit("named").Pool.Connections.ShouldHaveSingleItem().ActiveStreams.ShouldBe(1);

            var failure = await Should.ThrowAsync<InvalidOperationException>(test.DisposeAsync);

            failure.Message.ShouldStartWith("Client 'named' should have no allocated connections");
            leaked.Dispose();
        }
    }

    /// <summary>A typed client as an application writes one: relative URIs, the base address from the factory.</summary>
    private sealed class UsersClient(HttpClient http)
    {
        public Task<string> GetAsync(int id) => http.GetStringAsync($"users/{id}");
    }

    private sealed class RecordingOutput(ITestOutputHelper inner) : ITestOutputHelper
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public string Text => string.Join("\n", _lines);

        public void WriteLine(string message)
        {
            _lines.Enqueue(message);
            inner.WriteLine(message);
        }

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }

    /// <summary>Exposes the fixture's protected members so a test can drive it by hand.</summary>
    private sealed class Probe(ITestOutputHelper output) : MockKitTest(output)
    {
        public MockWebServer ServerUnderTest => Server;

        public TimeSpan Release
        {
            set => ReleaseTimeout = value;
        }

        public ServiceProvider Build(Action<IServiceCollection> configure) => BuildServices(configure);

        public IServiceCollection AddClients(IServiceCollection services) => AddMockKitClients(services);
    }
}
