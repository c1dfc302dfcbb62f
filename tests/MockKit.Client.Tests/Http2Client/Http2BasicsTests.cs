using System.Net;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Http2Client;

public sealed class Http2BasicsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Get_over_h2_reports_version_2_and_sequence_numbers(bool tls)
    {
        var (server, handler, client) = await H2Harness.StartAsync(tls);
        await using var _ = server;
        using var __ = client;
        server.Enqueue(new MockResponse("one") { Headers = { { "X-Test", "a" } } });
        server.Enqueue(new MockResponse("two"));

        using var first = await client.GetAsync(H2Harness.Url(server, "/a?q=1"));
        (await first.Content.ReadAsStringAsync()).ShouldBe("one");
        using var second = await client.GetAsync(H2Harness.Url(server, "/b"));
        (await second.Content.ReadAsStringAsync()).ShouldBe("two");

        first.Version.ShouldBe(HttpVersion.Version20);
        first.Headers.GetValues("x-test").ShouldBe(["a"]);
        var protocol = tls ? Protocol.Http2 : Protocol.H2PriorKnowledge;
        first.GetExchange().Protocol.ShouldBe(protocol);
        first.GetExchange().SequenceNumber.ShouldBe(0);
        second.GetExchange().SequenceNumber.ShouldBe(1);
        second.GetExchange().ConnectionReused.ShouldBeTrue();
        second.GetExchange().ConnectionId.ShouldBe(first.GetExchange().ConnectionId);
        var a = server.TakeRequest();
        a.Protocol.ShouldBe(protocol);
        a.Path.ShouldBe("/a?q=1");
        a.SequenceNumber.ShouldBe(0);
        server.TakeRequest().SequenceNumber.ShouldBe(1);
        handler.Pool.MultiplexedConnectionCount.ShouldBe(1);
        handler.Pool.Connections.ShouldHaveSingleItem().Protocol.ShouldBe(protocol);
    }

    [Fact]
    public async Task Post_sends_lower_case_headers_and_the_body_and_reads_trailers()
    {
        var (server, _, client) = await H2Harness.StartAsync(tls: true);
        await using var _s = server;
        using var _c = client;
        server.Enqueue(new MockResponse("ok") { Trailers = { { "X-Trailer", "t" } }, InformationalResponses = { new MockResponse(103, "") } });

        using var request = new HttpRequestMessage(HttpMethod.Post, H2Harness.Url(server, "/upload")) { Content = new StringContent("hello body") };
        request.Headers.Add("X-Custom", "v");
        request.Headers.ConnectionClose = false;
        using var response = await client.SendAsync(request);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        response.TrailingHeaders.GetValues("x-trailer").ShouldBe(["t"]);

        var recorded = server.TakeRequest();
        recorded.Method.ShouldBe("POST");
        recorded.BodyText.ShouldBe("hello body");
        recorded.Headers["x-custom"].ShouldBe("v");
        recorded.Headers["connection"].ShouldBeNull();
        recorded.Headers.Select(h => h.Key).ShouldAllBe(name => !name.Any(char.IsUpper));
    }

    [Fact]
    public async Task An_exact_2_0_request_on_cleartext_without_prior_knowledge_fails_clearly()
    {
        var (server, _, client) = await H2Harness.StartAsync(tls: false, h => h.Protocols = [Protocol.Http11]);
        await using var _s = server;
        using var _c = client;
        using var request = new HttpRequestMessage(HttpMethod.Get, H2Harness.Url(server, "/"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        var e = await Should.ThrowAsync<HttpRequestException>(() => client.SendAsync(request));
        e.HttpRequestError.ShouldBe(HttpRequestError.VersionNegotiationError);
        server.RequestCount.ShouldBe(0);
    }

    [Fact]
    public async Task An_exact_1_1_request_uses_http_1_1_even_when_h2_is_offered()
    {
        var (server, _, client) = await H2Harness.StartAsync(tls: true);
        await using var _s = server;
        using var _c = client;
        server.Enqueue(new MockResponse("h1"));
        using var request = new HttpRequestMessage(HttpMethod.Get, H2Harness.Url(server, "/"))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);
        response.Version.ShouldBe(HttpVersion.Version11);
        server.TakeRequest().Protocol.ShouldBe(Protocol.Http11);
    }

    [Fact]
    public async Task An_exact_2_0_request_to_a_server_that_only_speaks_http_1_1_fails_without_downgrade()
    {
        var (server, _, client) = await H2Harness.StartAsync(tls: true, configureServer: s => s.Protocols = [Protocol.Http11]);
        await using var _s = server;
        using var _c = client;
        server.Enqueue(new MockResponse("never"));
        using var request = new HttpRequestMessage(HttpMethod.Get, H2Harness.Url(server, "/"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        // ALPN offers only h2; a server that cannot agree fails the handshake (no_application_protocol)
        // or, if it ignores ALPN, the client refuses HTTP/1.1. Either way: no silent downgrade.
        var e = await Should.ThrowAsync<HttpRequestException>(() => client.SendAsync(request));
        e.HttpRequestError.ShouldBeOneOf(HttpRequestError.VersionNegotiationError, HttpRequestError.SecureConnectionError);
        server.Dispatcher.ShouldBeOfType<QueueDispatcher>().PendingCount.ShouldBe(1);
    }

    [Fact]
    public async Task A_default_request_uses_whatever_alpn_chose()
    {
        var (server, _, client) = await H2Harness.StartAsync(tls: true, configureServer: s => s.Protocols = [Protocol.Http11]);
        await using var _s = server;
        using var _c = client;
        server.Enqueue(new MockResponse("h1 it is"));

        using var response = await client.GetAsync(H2Harness.Url(server, "/"));
        response.Version.ShouldBe(HttpVersion.Version11);
        response.GetExchange().Handshake!.ApplicationProtocol.ShouldBe("http/1.1");
    }
}
