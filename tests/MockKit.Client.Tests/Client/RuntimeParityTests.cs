using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>Where InstrumentedHandler stands in for SocketsHttpHandler, it fails the same way: each case runs against both.</summary>
public sealed class RuntimeParityTests
{
    public static TheoryData<string> Handlers => ["runtime", "mockkit"];

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_disposed_handler_refuses_to_send(string which)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("first"));
        server.Enqueue(new MockResponse("must not be served"));
        await server.StartAsync();
        var handler = Create(which);
        using (var first = new HttpClient(handler, disposeHandler: true))
        {
            (await first.GetStringAsync(server.Url("/first"))).ShouldBe("first");
        }

        // The handler is disposed; a client built over it later (a factory chain that outlived its primary handler).
        using var late = new HttpClient(handler, disposeHandler: false);
        await Should.ThrowAsync<ObjectDisposedException>(() => late.GetAsync(server.Url("/late")));

        server.RequestCount.ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_disposed_handler_that_never_sent_refuses_to_send(string which)
    {
        await using var server = new MockWebServer();
        await server.StartAsync();
        var handler = Create(which);
        handler.Dispose();

        using var client = new HttpClient(handler, disposeHandler: false);
        await Should.ThrowAsync<ObjectDisposedException>(() => client.GetAsync(server.Url("/")));

        server.RequestCount.ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_response_that_ends_before_any_byte_reports_response_ended_through_a_public_exception(string which)
    {
        await using var server = new MockWebServer();
        for (var i = 0; i < 4; i++)
        {
            // Enough for either handler's replays; each one ends the same way.
            server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.DisconnectAfterRequest });
        }

        await server.StartAsync();
        using var client = new HttpClient(Create(which));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync(server.Url("/")));

        failure.HttpRequestError.ShouldBe(HttpRequestError.ResponseEnded);
        failure.GetType().ShouldBe(typeof(HttpRequestException), "no internal exception type escapes the handler");
    }

    private static HttpMessageHandler Create(string which) => which == "runtime"
        ? new SocketsHttpHandler()
        : new InstrumentedHandler();
}
