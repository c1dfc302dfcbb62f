using Microsoft.Extensions.DependencyInjection;
using MockKit.Assertions;
using MockKit.MockServer;

namespace MockKit.Xunit.V3.Tests;

/// <summary>
/// The xunit v3 MockKitTest's IHttpClientFactory helpers, driven by hand: the clients of a service
/// collection reach the test's server, and each client name gets the end-of-test leak check.
/// </summary>
public sealed class FactoryClientsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_response_a_factory_client_never_disposed_fails_the_test_naming_the_client()
    {
        var test = new Probe { Release = TimeSpan.FromMilliseconds(100) };
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("never read"));
        var services = test.Build(s => s.AddHttpClient("orders"));
        var leaked = await services.GetRequiredService<IHttpClientFactory>().CreateClient("orders").GetAsync("/orders", HttpCompletionOption.ResponseHeadersRead, Cancel);

        var failure = await Should.ThrowAsync<InvalidOperationException>(async () => await test.DisposeAsync());

        failure.Message.ShouldStartWith("Client 'orders' should have no allocated connections when the test ends (was every response disposed?), but 1 connection(s) are still allocated");
        test.ServerUnderTest.IsRunning.ShouldBeFalse();
        leaked.Dispose();
    }

    [Fact]
    public async Task A_typed_client_that_disposes_its_responses_passes_and_its_events_reach_the_current_test_output()
    {
        var test = new Probe();
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("""{"id":7}"""));
        var services = test.Build(s => s.AddHttpClient<UsersClient>());

        (await services.GetRequiredService<UsersClient>().GetAsync(7, Cancel)).ShouldBe("""{"id":7}""");
        test.ServerUnderTest.TakeRequest().ShouldHavePath("/users/7");

        await test.DisposeAsync();
        Should.Throw<ObjectDisposedException>(() => services.GetRequiredService<UsersClient>());
        var output = TestContext.Current.TestOutputHelper.ShouldNotBeNull().Output;
        output.ShouldMatch(@"client UsersClient \| call \d+ CallStart\b");
        output.ShouldMatch(@"client UsersClient \| call \d+ CallEnd");
    }

    [Fact]
    public async Task A_collection_the_application_builds_itself_is_wired_and_checked_too()
    {
        var test = new Probe { Release = TimeSpan.FromMilliseconds(100) };
        await test.InitializeAsync();
        test.ServerUnderTest.Enqueue(new MockResponse("leaked"));
        var services = new ServiceCollection();
        services.AddHttpClient("named", c => c.BaseAddress = test.ServerUnderTest.Url("/api/"));
        await using var provider = test.AddClients(services).BuildServiceProvider();
        var leaked = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("named").GetAsync("x", HttpCompletionOption.ResponseHeadersRead, Cancel);
        test.ServerUnderTest.TakeRequest().ShouldHavePath("/api/x");

        var failure = await Should.ThrowAsync<InvalidOperationException>(async () => await test.DisposeAsync());

        failure.Message.ShouldStartWith("Client 'named' should have no allocated connections");
        leaked.Dispose();
    }

    /// <summary>A typed client as an application writes one: relative URIs, the base address from the factory.</summary>
    private sealed class UsersClient(HttpClient http)
    {
        public Task<string> GetAsync(int id, CancellationToken cancellationToken) => http.GetStringAsync($"users/{id}", cancellationToken);
    }

    /// <summary>Exposes the fixture's protected members so a test can drive it by hand.</summary>
    private sealed class Probe : MockKitTest
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
