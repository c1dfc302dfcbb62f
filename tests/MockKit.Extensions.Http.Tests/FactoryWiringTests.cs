using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Extensions.Http.Tests;

public sealed class FactoryWiringTests
{
    [Fact]
    public async Task A_typed_client_talks_to_the_server_and_its_instrumentation_is_found_by_type()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ada"));
        await using var provider = Services.Build(s => s.AddHttpClient<UsersClient>().AddMockKit(server));

        (await provider.GetRequiredService<UsersClient>().NameAsync(1)).ShouldBe("ada");

        var instrumentation = provider.GetMockKit<UsersClient>();
        instrumentation.Name.ShouldBe(nameof(UsersClient));
        instrumentation.Events.EventNames.ShouldContain("CallEnd");
        instrumentation.Pool.ConnectionCount.ShouldBe(1);
        server.TakeRequest().Path.ShouldBe("/users/1");
        await instrumentation.ShouldHaveNoLeakedConnectionsAsync();
    }

    [Fact]
    public async Task Handlers_of_one_name_share_the_pool_and_events_across_rotation()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("first"));
        server.Enqueue(new MockResponse("second"));
        var built = 0;
        await using var provider = Services.Build(s => s.AddHttpClient("users")
            .SetHandlerLifetime(TimeSpan.FromSeconds(1))
            .AddMockKit(server, pool =>
            {
                Interlocked.Increment(ref built);
                return new InstrumentedHandler { Pool = pool };
            }));
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        (await factory.CreateClient("users").GetStringAsync("/a")).ShouldBe("first");
        await Services.EventuallyAsync(() => factory.CreateClient("users") is not null && Volatile.Read(ref built) == 2, "the factory to build a second handler");
        using var response = await factory.CreateClient("users").GetAsync("/b");

        (await response.Content.ReadAsStringAsync()).ShouldBe("second");
        response.GetExchange().ConnectionReused.ShouldBeTrue("the new handler found the old handler's idle connection in the shared pool");
        var instrumentation = provider.GetMockKit("users");
        instrumentation.Pool.ConnectionCount.ShouldBe(1);
        instrumentation.Events.EventNames.Count(e => e == "CallStart").ShouldBe(2);
    }

    [Fact]
    public async Task Under_ConfigureHttpClientDefaults_every_name_gets_its_own_pool_even_over_its_own_primary_handler()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("a"));
        server.Enqueue(new MockResponse("b"));
        await using var provider = Services.Build(s =>
        {
            s.ConfigureHttpClientDefaults(b => b.AddMockKit(server));
            s.AddHttpClient("a").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler());
            s.AddHttpClient("b");
        });
        var factory = provider.GetRequiredService<IHttpClientFactory>();

        using var a = await factory.CreateClient("a").GetAsync("/a");
        using var b = await factory.CreateClient("b").GetAsync("/b");

        a.GetExchange().ConnectionReused.ShouldBeFalse();
        b.GetExchange().ConnectionReused.ShouldBeFalse("another name, another pool");
        provider.GetMockKit("a").Pool.ShouldNotBeSameAs(provider.GetMockKit("b").Pool);
        provider.GetMockKit("a").Events.EventNames.ShouldContain("CallStart");
    }

    [Fact]
    public async Task Trust_and_protocols_follow_an_https_server_and_a_base_address_the_client_set_is_kept()
    {
        await using var server = new MockWebServer();
        server.UseHttps(HandshakeCertificates.Localhost());
        server.Enqueue(new MockResponse("secure"));
        await using var provider = Services.Build(s => s.AddHttpClient("api", c => c.BaseAddress = server.Url("/v2/")).AddMockKit(server));

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient("api").GetAsync("items");

        (await response.Content.ReadAsStringAsync()).ShouldBe("secure");
        response.Version.ShouldBe(HttpVersion.Version20);
        response.GetExchange().Protocol.ShouldBe(Protocol.Http2);
        server.TakeRequest().Path.ShouldBe("/v2/items");
    }

    [Fact]
    public async Task The_leak_check_reports_an_undisposed_response_and_passes_once_it_is_disposed()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("unread body"));
        await using var provider = Services.Build(s => s.AddHttpClient("leaky").AddMockKit(server));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("leaky");

        var response = await client.GetAsync("/", HttpCompletionOption.ResponseHeadersRead);
        var failure = await Should.ThrowAsync<InvalidOperationException>(() => provider.GetMockKit("leaky").ShouldHaveNoLeakedConnectionsAsync(TimeSpan.FromMilliseconds(50)));
        response.Dispose();

        failure.Message.ShouldContain("Client 'leaky' should have no allocated connections");
        await provider.GetMockKit("leaky").ShouldHaveNoLeakedConnectionsAsync();
    }

    [Fact]
    public async Task A_handler_factory_that_ignores_the_pool_it_is_given_fails_loudly()
    {
        await using var server = new MockWebServer();
        await using var provider = Services.Build(s => s.AddHttpClient("own").AddMockKit(server, _ => new InstrumentedHandler()));

        Should.Throw<InvalidOperationException>(() => provider.GetRequiredService<IHttpClientFactory>().CreateClient("own"))
            .Message.ShouldContain("over the pool it is given");
    }

    [Fact]
    public void Asking_a_provider_without_AddMockKit_says_so()
    {
        using var provider = Services.Build(s => s.AddHttpClient("plain"));

        Should.Throw<InvalidOperationException>(() => provider.GetMockKit("plain")).Message.ShouldContain("AddMockKit");
    }
}

public sealed class UsersClient(HttpClient client)
{
    public Task<string> NameAsync(int id) => client.GetStringAsync($"/users/{id}");
}
