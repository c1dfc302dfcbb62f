using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>Responses that do not wait for the request body, bodies that end with the headers, leaks.</summary>
public sealed class Http2EdgeCaseTests
{
    [Fact]
    public async Task A_response_before_the_whole_upload_is_read_completes_and_the_connection_stays_usable()
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls: true);
        await using var _ = server;
        using var __ = client;
        server.Enqueue(new MockResponse("no thanks") { SocketPolicy = SocketPolicy.DoNotReadRequestBody() });
        server.Enqueue(new MockResponse("next"));

        // Far beyond the server's windows: the upload can only block until the answer arrives.
        using var response = await client.PostAsync(H2Harness.Url(server, "/"), new ByteArrayContent(new byte[4 * 1024 * 1024]));
        (await response.Content.ReadAsStringAsync()).ShouldBe("no thanks");
        using var next = await client.GetAsync(H2Harness.Url(server, "/next"));
        (await next.Content.ReadAsStringAsync()).ShouldBe("next");
        next.GetExchange().ConnectionId.ShouldBe(response.GetExchange().ConnectionId);
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_body_that_ended_with_the_headers_completes_the_exchange_on_dispose()
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls: false);
        await using var _ = server;
        using var __ = client;
        server.Enqueue(new MockResponse(204));

        using (var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, H2Harness.Url(server, "/")), HttpCompletionOption.ResponseHeadersRead))
        {
            ((int)response.StatusCode).ShouldBe(204);
        }

        var snapshot = handler.Pool.Connections.ShouldHaveSingleItem();
        snapshot.ActiveStreams.ShouldBe(0);
        snapshot.CompletedExchanges.ShouldBe(1);
    }

    [Fact]
    public async Task Disposing_an_unread_body_resets_its_stream_and_frees_the_slot()
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls: false);
        await using var _ = server;
        using var __ = client;
        server.Enqueue(new MockResponse(new string('x', 200_000)));
        server.Enqueue(new MockResponse("after"));

        using (var response = await client.GetAsync(H2Harness.Url(server, "/big"), HttpCompletionOption.ResponseHeadersRead))
        {
            handler.Pool.Connections.ShouldHaveSingleItem().ActiveStreams.ShouldBe(1);
        }

        var snapshot = handler.Pool.Connections.ShouldHaveSingleItem();
        snapshot.ActiveStreams.ShouldBe(0);
        snapshot.NoNewExchanges.ShouldBeFalse();
        (await client.GetStringAsync(H2Harness.Url(server, "/after"))).ShouldBe("after");
    }
}
