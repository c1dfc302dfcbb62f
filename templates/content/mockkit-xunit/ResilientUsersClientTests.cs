#if (XunitV2)
using Xunit.Abstractions;
#endif
using Microsoft.Extensions.DependencyInjection;

namespace MockKitXunit;

/// <summary>
/// Example 6: the client as the application registers it — a typed client from IHttpClientFactory
/// behind Microsoft.Extensions.Http.Resilience's standard pipeline — pointed at MockWebServer.
/// BuildServices wires every factory client to Server and gives each one MockKitTest's leak check;
/// GetMockKit&lt;TClient&gt;() shows the client's connection pool and call events.
/// </summary>
#if (XunitV3)
public sealed class ResilientUsersClientTests : MockKitTest
#else
public sealed class ResilientUsersClientTests(ITestOutputHelper output) : MockKitTest(output)
#endif
{
#if (XunitV3)
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
#else
    private static CancellationToken Cancel => CancellationToken.None;
#endif

    [Fact]
    public async Task A_dropped_connection_is_retried_by_the_resilience_pipeline_on_a_new_one()
    {
        // The server reads the first request and hangs up without answering; the second is served.
        Server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        Server.Enqueue(new MockResponse("""{"id": 7, "name": "Ada"}"""));
        var services = BuildServices(s => s
            .AddHttpClient<UsersApiClient>(c => c.BaseAddress = Server.Url("/api/"))
            .AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero)); // The app's registration; no backoff in a test.

        var user = await services.GetRequiredService<UsersApiClient>().GetUserAsync(7, Cancel);

        user.ShouldBe(new User(7, "Ada"));
        // The retry is visible on both ends: two recorded requests on two connections...
        Server.TakeRequest().ShouldHavePath("/api/users/7").ShouldHaveConnectionIndex(0);
        Server.TakeRequest().ShouldHavePath("/api/users/7").ShouldHaveConnectionIndex(1);
        // ...two calls through the client's handler, the first failed, and one connection left in its pool.
        var client = services.GetMockKit<UsersApiClient>();
        client.Events.EventNames.Count(e => e == "CallStart").ShouldBe(2);
        client.Events.EventNames.Count(e => e == "CallFailed").ShouldBe(1);
        client.Pool.ShouldEventuallyHaveIdleConnections(1, TimeSpan.FromSeconds(5)).ShouldHaveConnections(1);
    }
}
