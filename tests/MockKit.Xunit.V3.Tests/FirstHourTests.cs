using MockKit.Assertions;
using MockKit.MockServer;
using MockKit.Testing;
using MockKit.Tls;

namespace MockKit.Xunit.V3.Tests;

/// <summary>What a new team meets in its first hour with MockKitTest, each the way they met it.</summary>
public sealed class FirstHourTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deliberate_near_miss_passes_with_AllowUnmatchedRequests()
    {
        var strict = await RoutedProbeWithOneMissAsync(allowUnmatched: false);
        (await Failure.OfAsync(async () => await strict.DisposeAsync())).Message.ShouldStartWith("1 request matched no route:\n");

        var lenient = await RoutedProbeWithOneMissAsync(allowUnmatched: true);
        await lenient.DisposeAsync();
        lenient.ServerUnderTest.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task The_client_resolves_relative_uris_against_the_server_so_a_typed_client_works()
    {
        var test = new Probe();
        await test.InitializeAsync();
        test.ClientUnderTest.BaseAddress.ShouldBe(test.ServerUnderTest.Url("/"));
        test.ServerUnderTest.Enqueue(new MockResponse("""{"id": 7}"""));

        var user = await new UsersClient(test.ClientUnderTest).GetUserAsync(7, Cancel);

        user.ShouldBe("""{"id": 7}""");
        test.ServerUnderTest.TakeRequest().ShouldHavePath("/users/7");
        await test.DisposeAsync();
    }

    [Fact]
    public async Task UseHttps_on_the_started_server_names_the_transport_argument()
    {
        var test = new Probe();
        await test.InitializeAsync();

        var failure = Should.Throw<InvalidOperationException>(() => test.ServerUnderTest.UseHttps(HandshakeCertificates.Localhost()));

        failure.Message.ShouldContain("MockWebServer.UseHttps is frozen once the server has started");
        failure.Message.ShouldContain(": MockKitTest(MockKitTransport.Https)");
        await test.DisposeAsync();
    }

    private static async Task<Probe> RoutedProbeWithOneMissAsync(bool allowUnmatched)
    {
        var test = new Probe { AllowUnmatched = allowUnmatched };
        await test.InitializeAsync();
        test.ServerUnderTest.Dispatcher = new RouteDispatcher().Map("GET", "/users/{id}").Respond(new MockResponse("user"));
        using var missed = await test.ClientUnderTest.GetAsync(new Uri("orders/1", UriKind.Relative), Cancel);
        missed.ShouldHaveStatus(404);
        return test;
    }

    /// <summary>A typed client as a team writes one: relative URIs, the base address is the caller's business.</summary>
    private sealed class UsersClient(HttpClient http)
    {
        public Task<string> GetUserAsync(int id, CancellationToken cancellationToken) =>
            http.GetStringAsync(new Uri($"users/{id}", UriKind.Relative), cancellationToken);
    }

    /// <summary>Exposes the fixture's protected members so a test can drive it by hand.</summary>
    private sealed class Probe : MockKitTest
    {
        public MockWebServer ServerUnderTest => Server;

        public HttpClient ClientUnderTest => Client;

        public bool AllowUnmatched
        {
            set => AllowUnmatchedRequests = value;
        }
    }
}
