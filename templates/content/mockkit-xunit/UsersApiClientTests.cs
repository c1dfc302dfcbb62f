#if (XunitV2)
using Xunit.Abstractions;

#endif
namespace MockKitXunit;

/// <summary>
/// Example 1: a typed API client tested against MockWebServer. MockKitTest gives each test a
/// started server, an InstrumentedHandler and an HttpClient, logs the traffic to the test
/// output, and fails the test if a response leaks its connection or a scripted response is unused.
/// </summary>
#if (XunitV3)
public sealed class UsersApiClientTests : MockKitTest
#else
public sealed class UsersApiClientTests(ITestOutputHelper output) : MockKitTest(output)
#endif
{
#if (XunitV3)
    // xunit v3 cancels this token when the test run is cancelled or the test times out.
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

    private UsersApiClient Api => new(new HttpClient(Handler, disposeHandler: false) { BaseAddress = Server.Url("/api/") });

    [Fact]
    public async Task Gets_a_user_and_sends_what_the_api_expects()
    {
        Server.Enqueue(new MockResponse("""{"id": 7, "name": "Ada"}""") { Headers = { { "Content-Type", "application/json" } } });

        var user = await Api.GetUserAsync(7, Cancel);

        user.ShouldBe(new User(7, "Ada"));
        Server.TakeRequest()
            .ShouldHaveMethod("GET")
            .ShouldHavePath("/api/users/7")
            .ShouldHaveSequenceNumber(0);
    }

    [Fact]
    public async Task Posts_json_and_reads_the_location()
    {
        Server.Enqueue(new MockResponse(201) { Headers = { { "Location", "/api/users/8" } } });

        var location = await Api.CreateUserAsync("Grace", Cancel);

        location.ShouldBe(new Uri("/api/users/8", UriKind.Relative));
        Server.TakeRequest()
            .ShouldHaveMethod("POST")
            .ShouldHaveHeader("Content-Type", "application/json; charset=utf-8")
            .ShouldHaveBody("""{"name":"Grace"}""");
    }

    [Fact]
    public async Task Reuses_one_connection_for_consecutive_calls()
    {
        Server.Enqueue(new MockResponse("""{"id": 1, "name": "a"}"""));
        Server.Enqueue(new MockResponse("""{"id": 2, "name": "b"}"""));

        await Api.GetUserAsync(1, Cancel);
        await Api.GetUserAsync(2, Cancel);

        Server.TakeRequest().ShouldHaveSequenceNumber(0);
        Server.TakeRequest().ShouldHaveSequenceNumber(1).ShouldHaveConnectionIndex(0);
        Handler.Pool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(5)).ShouldHaveConnections(1);
    }

    [Fact]
    public async Task Survives_a_server_that_dropped_the_pooled_connection()
    {
        Server.Enqueue(new MockResponse("""{"id": 1, "name": "warm-up"}"""));
        await Api.GetUserAsync(1, Cancel);

        // The server reads the next request and hangs up without answering; the client retries
        // on a fresh connection, where the next scripted response is waiting.
        Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        Server.Enqueue(new MockResponse("""{"id": 2, "name": "retried"}"""));

        (await Api.GetUserAsync(2, Cancel))!.Name.ShouldBe("retried");

        Server.TakeRequest().ShouldHaveConnectionIndex(0).ShouldHaveSequenceNumber(0);
        Server.TakeRequest().ShouldHaveConnectionIndex(0).ShouldHaveSequenceNumber(1);
        Server.TakeRequest().ShouldHaveConnectionIndex(1).ShouldHaveSequenceNumber(0);
    }

    [Fact]
    public async Task Not_found_is_null()
    {
        Server.Enqueue(new MockResponse(404));

        (await Api.GetUserAsync(404, Cancel)).ShouldBeNull();
    }
}
