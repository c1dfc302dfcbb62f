using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// Path templates bind parameters to real segments only: never an empty one, never a dot segment
/// (RFC 3986 section 5.2.4 removes them first, decoded or not); literals compare decoded on both
/// sides; a template that could never match is refused when the rule is added.
/// </summary>
public sealed class PathTemplateTests
{
    [Theory]
    [InlineData("/users/{id}", "/users/")] // An empty segment is no value.
    [InlineData("/users/{id}", "/users/..")] // "/" after dot-segment removal.
    [InlineData("/users/{id}", "/users/%2e%2e")]
    [InlineData("/users/{id}", "/users/%2E.")]
    [InlineData("/users/{id}", "/users/.")] // "/users/": an empty segment.
    [InlineData("/users/{id}", "/users/7/..")] // "/users/".
    [InlineData("/users/{id}/orders", "/users//orders")]
    [InlineData("/admin/{page}", "/public/../admin/")]
    [InlineData("/files/{*rest}", "/files/a/../../../etc/passwd")] // Never above the root: "/etc/passwd".
    [InlineData("/", "*")] // The asterisk form of OPTIONS has no path.
    [InlineData("/{name}", "*")]
    public void A_parameter_never_binds_an_empty_or_dot_segment(string template, string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);

        PathTemplate.Parse(template).Match(path, values).ShouldNotBeNull();
        values.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("/users/{id}", "/users/7/../8", "id", "8")]
    [InlineData("/users/{id}", "/users/./8", "id", "8")]
    [InlineData("/users/{id}", "/users/%2e%2e%2e", "id", "...")] // Three dots are a name, not a dot segment.
    [InlineData("/files/{*rest}", "/files/a/./b/../c", "rest", "a/c")]
    [InlineData("/files/{*rest}", "/files/a/b/..", "rest", "a/")]
    public void Dot_segments_are_removed_before_matching(string template, string path, string name, string value)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);

        PathTemplate.Parse(template).Match(path, values).ShouldBeNull();
        values[name].ShouldBe(value);
    }

    [Theory]
    [InlineData("/a%20b", "/a%20b")]
    [InlineData("/a%20b", "/a b")] // Compared decoded: "a b" either way.
    [InlineData("/caf%C3%A9/{x}", "/caf%c3%a9/1")]
    [InlineData("/a%2Fb", "/a%2fb")] // One segment "a/b".
    [InlineData("/100%25", "/100%25")]
    public void A_percent_encoded_literal_matches_its_decoded_segment(string template, string path)
    {
        PathTemplate.Parse(template).Match(path, new Dictionary<string, string>(StringComparer.Ordinal)).ShouldBeNull();
    }

    [Theory]
    [InlineData("/users?id=1", "contains '?'")]
    [InlineData("/users#top", "contains '#'")]
    [InlineData("/a/../b", "dot segment")]
    [InlineData("/a/%2e", "dot segment")]
    [InlineData("/100%", "percent-encoding")]
    [InlineData("/a%zzb", "percent-encoding")]
    [InlineData("/{id%20}", "invalid parameter")]
    [InlineData("users", "must start with '/'")]
    public void A_template_that_could_never_match_is_refused_naming_the_problem(string template, string problem)
    {
        var e = Should.Throw<ArgumentException>(() => new RouteDispatcher().Map("GET", template));

        e.ParamName.ShouldBe("template");
        e.Message.ShouldContain(problem);
        e.Message.ShouldContain(template);
    }

    [Fact]
    public async Task Over_the_wire_dot_segments_and_the_asterisk_form_reach_the_fallback()
    {
        var routes = new RouteDispatcher()
            .Map("*", "/").Respond(new MockResponse("root"))
            .Map("GET", "/users/{id}").Respond((_, v) => new MockResponse($"user [{v["id"]}]"));
        await using var server = new MockWebServer { Dispatcher = routes };

        (await SendAsync(server, "GET /users/7 HTTP/1.1")).ShouldEndWith("user [7]");
        (await SendAsync(server, "GET /users/%2e%2e HTTP/1.1")).ShouldEndWith("root"); // It is the path "/".
        (await SendAsync(server, "GET /users/. HTTP/1.1")).ShouldStartWith("HTTP/1.1 404 ");
        (await SendAsync(server, "GET /users/ HTTP/1.1")).ShouldStartWith("HTTP/1.1 404 ");
        (await SendAsync(server, "OPTIONS * HTTP/1.1")).ShouldStartWith("HTTP/1.1 404 ");
        routes.Unmatched.Select(r => r.Target).ShouldBe(["/users/.", "/users/", "*"]);
        routes.Unmatched[0].Failure!.Message.ShouldContain("path segment 2 is empty, expected a value for {id}");
        routes.Unmatched[2].Failure!.Message.ShouldContain("target * has no path");
    }

    private static async Task<string> SendAsync(MockWebServer server, string requestLine)
    {
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync($"{requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n");
        return await raw.ReadToEndAsync();
    }
}
