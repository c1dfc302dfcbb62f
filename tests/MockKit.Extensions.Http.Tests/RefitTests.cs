using Microsoft.Extensions.DependencyInjection;
using MockKit.MockServer;
using Refit;

namespace MockKit.Extensions.Http.Tests;

public sealed class RefitTests
{
    [Fact]
    public async Task A_generated_refit_client_posts_json_the_route_matches_by_media_type()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = new RouteDispatcher()
                .Map("POST", "/users").WithContentType("application/json")
                .Respond(new MockResponse("""{"id":7,"name":"Ada"}""") { Headers = { { "Content-Type", "application/json" } } }),
        };
        await using var provider = Services.Build(s => s.AddRefitGeneratedClient<IUsersApi>().AddMockKit(server));

        var created = await provider.GetRequiredService<IUsersApi>().CreateAsync(new User(0, "Ada"));

        created.ShouldBe(new User(7, "Ada"));
        var request = server.TakeRequest();
        request.Headers["Content-Type"].ShouldBe("application/json; charset=utf-8");
        var instrumentation = provider.GetMockKit<IUsersApi>();
        instrumentation.Events.EventNames.ShouldContain("CallEnd");
        await instrumentation.ShouldHaveNoLeakedConnectionsAsync();
    }
}

public interface IUsersApi
{
    [Post("/users")]
    Task<User> CreateAsync([Body] User user);
}

public sealed record User(int Id, string Name);
