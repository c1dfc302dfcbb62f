using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// Forwarding faults found by the audit: an upstream body that does not match its declared length,
/// an upstream response left undisposed, an endless upstream read for nobody, a path that escapes
/// the upstream base, and proxy credentials passed upstream.
/// </summary>
public sealed class ForwardingAuditTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TaskCompletionSource _eventsAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;

    private TestServer Upstream => _app.GetTestServer();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        _app = builder.Build();
        _app.MapGet("/longer", async context =>
        {
            context.Response.ContentLength = 5;
            await context.Response.Body.WriteAsync("0123456789"u8.ToArray());
        });
        _app.MapGet("/shorter", async context =>
        {
            context.Response.ContentLength = 10;
            await context.Response.Body.WriteAsync("01234"u8.ToArray());
        });
        _app.MapGet("/hello", () => Results.Text("hello"));
        _app.MapGet("/events", async context =>
        {
            // An event stream that never ends on its own: only a cancel stops it.
            context.RequestAborted.Register(() => _eventsAborted.TrySetResult());
            context.Response.ContentType = "text/event-stream";
            var line = new byte[1024];
            line.AsSpan().Fill((byte)'x');
            try
            {
                while (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(line, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The forward let go of the stream: what this test waits for.
            }
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_upstream_body_longer_than_its_Content_Length_closes_the_connection_instead_of_leaking_into_the_next_response()
    {
        await using var server = NewServer(http2: false);
        using var client = NewClient(http2: false);

        // The first exchange is aborted (how the client sees it depends on where the surplus arrived);
        // the connection must not carry the surplus into the next response.
        try
        {
            using var first = await client.GetAsync(server.Url("/longer"));
        }
        catch (HttpRequestException)
        {
            // The body was cut before its declared end: also an abort.
        }

        (await client.GetStringAsync(server.Url("/hello"))).ShouldBe("hello");
        var longer = server.TakeRequest();
        longer.Path.ShouldBe("/longer");
        await WaitUntilAsync(() => longer.Failure is not null, "the aborted exchange is recorded as failed");
        longer.Failure!.Message.ShouldContain("ran past its declared Content-Length 5");
        server.TakeRequest().Failure.ShouldBeNull();
    }

    [Fact]
    public async Task A_pipelined_request_after_a_longer_upstream_body_never_reads_the_surplus_as_its_response()
    {
        await using var server = NewServer(http2: false);
        await using var raw = await Support.RawConnection.OpenAsync(server);

        await raw.SendAsync("GET /longer HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        // The surplus "56789" never goes out: the connection closes after the cut-short first response.
        var received = await raw.ReadToEndAsync();
        received.ShouldStartWith("HTTP/1.1 200 OK\r\n");
        received.ShouldNotContain("56789");
        received.ShouldNotContain("hello");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upstream_body_shorter_than_its_Content_Length_fails_the_exchange_promptly(bool http2)
    {
        await using var server = NewServer(http2);
        using var client = NewClient(http2);

        await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(server.Url("/shorter")));

        var recorded = server.TakeRequest();
        await WaitUntilAsync(() => recorded.Failure is not null, "the exchange is recorded as failed");
        recorded.Failure!.Message.ShouldContain("ended after 5 bytes of its declared Content-Length 10");
        (await client.GetStringAsync(server.Url("/hello"))).ShouldBe("hello");
    }

    [Fact]
    public async Task Over_HTTP2_a_longer_upstream_body_resets_the_stream_and_is_recorded_as_failed()
    {
        await using var server = NewServer(http2: true);
        using var client = NewClient(http2: true);

        await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(server.Url("/longer")));

        var recorded = server.TakeRequest();
        await WaitUntilAsync(() => recorded.Failure is not null, "the exchange is recorded as failed");
        recorded.Failure!.Message.ShouldContain("ran past its declared Content-Length 5");
        (await client.GetStringAsync(server.Url("/hello"))).ShouldBe("hello"); // Same connection: only the stream was reset.
    }

    [Fact]
    public async Task An_upload_abandoned_after_the_upstream_answered_disposes_the_upstream_response()
    {
        var body = new DisposalWatchingContent("early answer");
        var upstream = new UpstreamStub(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = body });
        await using var server = new MockWebServer { Dispatcher = new ForwardingDispatcher(upstream, new Uri("http://up.test/")) };
        await using (var raw = await Support.RawConnection.OpenAsync(server))
        {
            await raw.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            await upstream.Called.WaitAsync(Deadline);
        }

        // The client left mid-upload: no session will relay the upstream's response, so the
        // dispatcher must let go of it (a pooled upstream connection otherwise stays checked out).
        await body.Disposed.WaitAsync(Deadline);
        server.TakeRequest().Failure.ShouldNotBeNull();
    }

    [Fact]
    public async Task After_the_client_left_an_endless_upstream_is_read_only_until_the_record_is_full_and_then_canceled()
    {
        var forward = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress)
        {
            Transform = (_, response) =>
            {
                response.SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(4096);
                return response;
            },
        };
        await using var server = new MockWebServer { Dispatcher = forward, BodyLimit = 64 * 1024 };
        using var client = NewClient(http2: false);

        using var response = await client.GetAsync(server.Url("/events"), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        await Should.ThrowAsync<IOException>(async () =>
        {
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        });

        // The upstream sees the cancel while the server still runs, and the record says it was cut short.
        await _eventsAborted.Task.WaitAsync(Deadline);
        await forward.WaitForRecordingsAsync(1, new CancellationTokenSource(Deadline).Token);
        var exchange = forward.Recordings[0];
        exchange.ResponseBodyTruncated.ShouldBeTrue();
        exchange.Response.Body.Length.ShouldBe(64 * 1024);
    }

    [Theory]
    [InlineData("/../admin")]
    [InlineData("/%2e%2e/admin")]
    [InlineData("/%2E%2e/admin")]
    [InlineData("/x/..%2fadmin")]
    [InlineData("/./admin")]
    [InlineData("/..\\admin")]
    [InlineData("/x%5c..%5cadmin")]
    public async Task A_path_that_would_leave_the_upstream_base_is_refused_with_400(string target)
    {
        var upstream = new UpstreamStub(_ => new HttpResponseMessage(HttpStatusCode.OK));
        await using var server = new MockWebServer { Dispatcher = new ForwardingDispatcher(upstream, new Uri("http://up.test/api/")) };
        await using var raw = await Support.RawConnection.OpenAsync(server);

        await raw.SendAsync($"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 400 ");
        upstream.Requests.ShouldBeEmpty();
        server.TakeRequest().Failure.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_path_under_the_base_is_forwarded_under_it()
    {
        var upstream = new UpstreamStub(_ => new HttpResponseMessage(HttpStatusCode.OK));
        await using var server = new MockWebServer { Dispatcher = new ForwardingDispatcher(upstream, new Uri("http://up.test/api/")) };
        await using var raw = await Support.RawConnection.OpenAsync(server);

        await raw.SendAsync("GET /users/a..b/x.txt?q=../.. HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        (await raw.ReadToEndAsync()).ShouldStartWith("HTTP/1.1 200 ");
        upstream.Requests.ShouldHaveSingleItem().RequestUri!.AbsoluteUri.ShouldBe("http://up.test/api/users/a..b/x.txt?q=../..");
    }

    [Fact]
    public async Task Proxy_Authorization_is_consumed_not_forwarded_while_Authorization_is()
    {
        var upstream = new UpstreamStub(_ => new HttpResponseMessage(HttpStatusCode.OK));
        await using var server = new MockWebServer { Dispatcher = new ForwardingDispatcher(upstream, new Uri("http://up.test/")) };
        using var client = NewClient(http2: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/x"));
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer for-the-origin");

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var sent = upstream.Requests.ShouldHaveSingleItem();
        sent.Headers.Contains("Proxy-Authorization").ShouldBeFalse();
        sent.Headers.GetValues("Authorization").ShouldBe(["Bearer for-the-origin"]);
    }

    private MockWebServer NewServer(bool http2) => new()
    {
        Dispatcher = new ForwardingDispatcher(Upstream.CreateHandler(), Upstream.BaseAddress),
        Protocols = http2 ? [Protocol.H2PriorKnowledge] : [Protocol.Http11],
    };

    private static HttpClient NewClient(bool http2) => new()
    {
        DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Deadline,
    };

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, CancellationToken.None); // Polls a condition under a deadline; never a timing assumption.
        }
    }
}
