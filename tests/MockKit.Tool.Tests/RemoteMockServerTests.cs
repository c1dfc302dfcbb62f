using System.Net;
using MockKit.Assertions;
using MockKit.MockServer;
using MockKit.Tool.Tests.Support;

namespace MockKit.Tool.Tests;

/// <summary>RemoteMockServer against the tool process: the in-process vocabulary, and every assertion, across a process boundary.</summary>
public sealed class RemoteMockServerTests
{
    [Fact]
    public async Task Enqueue_and_take_work_as_with_a_MockWebServer()
    {
        await using var tool = await MockKitProcess.StartAsync();
        await using var server = new RemoteMockServer(tool.Url);
        await server.EnqueueAsync(new MockResponse(201, "made") { Headers = { { "Location", "/items/1" } }, Trailers = { { "X-T", "1" } }, ChunkSize = 2 });
        await server.EnqueueAsync(new MockResponse { Body = new byte[] { 0, 1, 2, 255 }, SocketPolicy = SocketPolicy.DisconnectAtEnd });

        using var client = new HttpClient();
        var first = await client.PostAsync(server.Url("/items?draft=true"), new StringContent("{\"name\":\"a\"}", System.Text.Encoding.UTF8, "application/json"));
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        first.Headers.Location!.ToString().ShouldBe("/items/1");
        (await first.Content.ReadAsStringAsync()).ShouldBe("made");
        (await client.GetByteArrayAsync(server.Url("binary"))).ShouldBe(new byte[] { 0, 1, 2, 255 });

        var recorded = await server.TakeRequestAsync();
        recorded.ShouldHaveMethod("POST").ShouldHavePath("/items?draft=true").ShouldHaveHeader("Content-Type", "application/json; charset=utf-8").ShouldHaveBody("{\"name\":\"a\"}");
        recorded.ShouldHaveQueryParameter("draft", "true");
        recorded.ShouldHaveSequenceNumber(0);
        recorded.Protocol.ShouldBe(Protocol.Http11);
        recorded.Failure.ShouldBeNull();
        (await server.TakeRequestAsync()).ShouldHavePath("/binary");
    }

    [Fact]
    public async Task Routes_reset_and_timeouts()
    {
        await using var tool = await MockKitProcess.StartAsync();
        await using var server = new RemoteMockServer(tool.Url);
        await server.AddRoutesAsync("""{"method": "GET", "path": "/users/{id}", "response": {"body": "user"}}""");
        using var client = new HttpClient();
        (await client.GetStringAsync(server.Url("/users/1"))).ShouldBe("user");
        (await client.GetAsync(server.Url("/users"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await server.TakeRequestAsync()).ShouldHavePath("/users/1");
        var miss = await server.TakeRequestAsync();
        miss.Failure.ShouldBeOfType<UnmatchedRequestException>().Report.ShouldContain("GET /users/{id}: path /users has 1 segment, the template 2");

        var refused = await Should.ThrowAsync<HttpRequestException>(() => server.AddRoutesAsync("""{"path": "users"}"""));
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        refused.Message.ShouldContain("/path");

        await server.ResetAsync();
        (await client.GetAsync(server.Url("/users/1"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await server.TakeRequestAsync()).ShouldHavePath("/users/1");
        await Should.ThrowAsync<TimeoutException>(() => server.TakeRequestAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task What_cannot_cross_a_process_throws_NotSupportedException_naming_it()
    {
        // Thrown before anything is sent: no server is needed (the port is never contacted).
        await using var server = new RemoteMockServer(new Uri("http://127.0.0.1:9/"));
        (await Should.ThrowAsync<NotSupportedException>(() => server.EnqueueAsync(new MockResponse { WebSocketHandler = (_, _) => Task.CompletedTask })))
            .Message.ShouldContain("MockResponse.WebSocketHandler");
        (await Should.ThrowAsync<NotSupportedException>(() => server.EnqueueAsync(new MockResponse { DuplexHandler = (_, _, _) => Task.CompletedTask })))
            .Message.ShouldContain("MockResponse.DuplexHandler");
        (await Should.ThrowAsync<NotSupportedException>(() => server.EnqueueAsync(new MockResponse { OnResponseEnd = new SocketEffect.CloseSocket() })))
            .Message.ShouldContain("MockResponse.OnResponseEnd");
        (await Should.ThrowAsync<NotSupportedException>(() => server.EnqueueAsync(new MockResponse { Throttle = new Throttle(1, TimeSpan.FromSeconds(1)) })))
            .Message.ShouldContain("MockResponse.Throttle");
    }

    [Fact]
    public async Task The_admin_token_is_required_on_every_call()
    {
        await using var tool = await MockKitProcess.StartAsync("--admin-token", "s3cret");
        await using var anonymous = new RemoteMockServer(tool.Url);
        (await Should.ThrowAsync<HttpRequestException>(() => anonymous.ResetAsync())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await using var wrong = new RemoteMockServer(tool.Url, "s3creT");
        (await Should.ThrowAsync<HttpRequestException>(() => wrong.EnqueueAsync(new MockResponse()))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await using var right = new RemoteMockServer(tool.Url, "s3cret");
        await right.EnqueueAsync(new MockResponse("ok"));
        using var client = new HttpClient();
        using var health = await client.GetAsync(right.Url("/__mockkit/health"));
        health.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        health.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        (await client.GetStringAsync(right.Url("/x"))).ShouldBe("ok"); // Only admin calls need the token.
        (await right.TakeRequestAsync()).ShouldHavePath("/x");
    }
}
