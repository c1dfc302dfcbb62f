using System.Text;

namespace MockKit.MockServer.Tests.Dispatching;

public sealed class ContentTypeConditionTests
{
    [Fact]
    public async Task A_media_type_matches_whatever_its_parameters_and_case()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = new RouteDispatcher()
                .Map("POST", "/users").WithContentType("application/json").Respond(new MockResponse("json"))
                .Map("POST", "/users").Respond(new MockResponse("other")),
        };
        using var client = new HttpClient();

        // What Refit and JsonContent send: the charset parameter rides along.
        (await PostAsync(client, server, "application/json; charset=utf-8")).ShouldBe("json");
        (await PostAsync(client, server, "Application/JSON")).ShouldBe("json");
        (await PostAsync(client, server, "application/problem+json")).ShouldBe("other");
        (await PostAsync(client, server, "text/plain; charset=utf-8")).ShouldBe("other");
    }

    [Fact]
    public async Task A_miss_names_the_content_type_in_the_report()
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = new MockWebServer
        {
            Dispatcher = new RouteDispatcher().Map("POST", "/users").WithContentType("application/json").Respond(new MockResponse("json")),
            TrafficLog = log.Enqueue,
        };
        using var client = new HttpClient();

        using var response = await client.PostAsync(server.Url("/users"), new StringContent("x", Encoding.UTF8, "text/plain"));

        ((int)response.StatusCode).ShouldBe(404);
        string.Join("\n", log).ShouldContain("content type is \"text/plain; charset=utf-8\", expected media type \"application/json\"");
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("json")]
    public void The_condition_takes_a_media_type_without_parameters(string mediaType) =>
        Should.Throw<ArgumentException>(() => new RouteDispatcher().Map("POST", "/").WithContentType(mediaType));

    private static async Task<string> PostAsync(HttpClient client, MockWebServer server, string contentType)
    {
        using var content = new ByteArrayContent("{}"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await client.PostAsync(server.Url("/users"), content);
        return await response.Content.ReadAsStringAsync();
    }
}
