using System.Net;
using MockKit.Tls;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>The stock .NET HTTP/2 client against the server, over TLS (ALPN h2) and prior knowledge.</summary>
public sealed class HttpClientHttp2Tests
{
    private static readonly HandshakeCertificates Localhost = HandshakeCertificates.Localhost();

    [Fact]
    public async Task Tls_with_alpn_h2_serves_http2_and_records_the_handshake()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("over h2") { Headers = { { "X-Reply", "yes" }, { "Connection", "close" } } });
        using var client = Client(tls: true);

        using var response = await client.SendAsync(Get(server.Url("/a?b=c")));

        response.Version.ShouldBe(HttpVersion.Version20);
        (await response.Content.ReadAsStringAsync()).ShouldBe("over h2");
        response.Headers.GetValues("x-reply").ShouldBe(["yes"]);
        response.Headers.Contains("Connection").ShouldBeFalse(); // Section 8.2.2: dropped, not sent.
        var request = server.TakeRequest();
        request.Protocol.ShouldBe(Protocol.Http2);
        request.Handshake!.ApplicationProtocol.ShouldBe("h2");
        request.RequestLine.ShouldBe("GET /a?b=c HTTP/2");
        request.Method.ShouldBe("GET");
        request.Target.ShouldBe("/a?b=c");
        request.Url.ShouldBe(server.Url("/a?b=c"));
        request.SequenceNumber.ShouldBe(0);
        request.Headers.Any(h => h.Key.StartsWith(':')).ShouldBeFalse();
    }

    [Fact]
    public async Task Prior_knowledge_serves_cleartext_http2_with_sequence_numbers_per_stream()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        for (var i = 0; i < 3; i++)
        {
            server.Enqueue(new MockResponse($"r{i}"));
        }

        using var client = Client(tls: false);
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(Get(server.Url($"/{i}")));
            response.Version.ShouldBe(HttpVersion.Version20);
            (await response.Content.ReadAsStringAsync()).ShouldBe($"r{i}");
        }

        var requests = Enumerable.Range(0, 3).Select(_ => server.TakeRequest()).ToList();
        requests.Select(r => r.SequenceNumber).ShouldBe([0, 1, 2]);
        requests.Select(r => r.ConnectionIndex).Distinct().ShouldHaveSingleItem();
        requests.ShouldAllBe(r => r.Protocol == Protocol.H2PriorKnowledge && r.Handshake == null);
        requests[1].Url.ShouldBe(server.Url("/1"));
    }

    [Fact]
    public async Task Concurrent_requests_are_multiplexed_on_one_connection_and_dispatched_concurrently()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        const int Count = 8;
        var arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Dispatcher = new BarrierDispatcher(() =>
        {
            if (Interlocked.Increment(ref arrived) == Count)
            {
                all.TrySetResult();
            }

            return all.Task;
        });
        using var client = Client(tls: false);
        await client.GetStringAsync(server.Url("/warm-up")); // One connection first, so the rest multiplex on it.
        all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        arrived = 0;

        var responses = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => client.GetStringAsync(server.Url($"/c{i}"))))
            .WaitAsync(TimeSpan.FromSeconds(10));

        responses.ShouldAllBe(r => r == "concurrent");
        var requests = Enumerable.Range(0, Count + 1).Select(_ => server.TakeRequest()).ToList();
        requests.Select(r => r.ConnectionIndex).Distinct().ShouldHaveSingleItem();
        requests.Select(r => r.SequenceNumber).Order().ShouldBe(Enumerable.Range(0, Count + 1));
    }

    [Fact]
    public async Task Large_request_and_response_bodies_flow_through_the_windows()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge] };
        var big = new byte[1024 * 1024];
        Random.Shared.NextBytes(big);
        server.Enqueue(new MockResponse { Body = big });
        using var client = Client(tls: false);

        var upload = new byte[1024 * 1024 + 17];
        Random.Shared.NextBytes(upload);
        using var message = Get(server.Url("/upload"));
        message.Method = HttpMethod.Post;
        message.Content = new ByteArrayContent(upload);
        using var response = await client.SendAsync(message);

        (await response.Content.ReadAsByteArrayAsync()).ShouldBe(big);
        var request = server.TakeRequest();
        request.BodySize.ShouldBe(upload.Length);
        request.Body.ShouldBe(upload);
        request.Headers["content-length"].ShouldBe(upload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Trailers_and_informational_responses_are_sent()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse("with trailers")
        {
            Trailers = { { "Grpc-Status", "0" } },
            InformationalResponses = { new MockResponse(103) { Headers = { { "Link", "</s.css>; rel=preload" } } } },
        });
        using var client = Client(tls: true);

        using var response = await client.SendAsync(Get(server.Url("/t")));

        (await response.Content.ReadAsStringAsync()).ShouldBe("with trailers");
        response.TrailingHeaders.GetValues("grpc-status").ShouldBe(["0"]);
        server.TakeRequest().Protocol.ShouldBe(Protocol.Http2);
    }

    [Fact]
    public async Task BodyLimit_keeps_a_prefix_and_counts_the_rest()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], BodyLimit = 4 };
        server.Enqueue(new MockResponse("ok"));
        using var client = Client(tls: false);
        using var message = Get(server.Url("/"));
        message.Method = HttpMethod.Put;
        message.Content = new StringContent("0123456789");
        using var response = await client.SendAsync(message);
        var request = server.TakeRequest();
        request.BodyText.ShouldBe("0123");
        request.BodySize.ShouldBe(10);
        request.Method.ShouldBe("PUT");
    }

    [Fact]
    public async Task Connect_tunnel_upgraded_to_tls_continues_as_http2()
    {
        await using var server = new MockWebServer();
        server.UseHttps(Localhost);
        server.Enqueue(new MockResponse { SocketPolicy = SocketPolicy.UpgradeToSslAtEnd });
        server.Enqueue(new MockResponse("tunnelled h2"));
        using var handler = Localhost.CreateSocketsHttpHandler();
        handler.Proxy = server.ToProxy();
        handler.UseProxy = true;
        using var client = new HttpClient(handler);

        using var message = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{server.Port}/inside")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        using var response = await client.SendAsync(message);

        response.Version.ShouldBe(HttpVersion.Version20);
        (await response.Content.ReadAsStringAsync()).ShouldBe("tunnelled h2");
        var connect = server.TakeRequest();
        connect.Method.ShouldBe("CONNECT");
        connect.SequenceNumber.ShouldBe(0);
        connect.Protocol.ShouldBe(Protocol.Http11);
        var get = server.TakeRequest();
        get.RequestLine.ShouldBe("GET /inside HTTP/2");
        get.SequenceNumber.ShouldBe(0);
        get.ConnectionIndex.ShouldBe(connect.ConnectionIndex);
        get.Protocol.ShouldBe(Protocol.Http2);
        get.Handshake!.ApplicationProtocol.ShouldBe("h2");
    }

    internal static HttpClient Client(bool tls)
    {
        var handler = tls ? Localhost.CreateSocketsHttpHandler() : new SocketsHttpHandler();
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    internal static HttpRequestMessage Get(Uri url) => new(HttpMethod.Get, url)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Answers every request only once <c>gate</c> says all of them arrived: proves concurrent dispatch.</summary>
    private sealed class BarrierDispatcher(Func<Task> gate) : Dispatcher
    {
        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            if (request.Path != "/warm-up")
            {
                await gate().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }

            return new MockResponse("concurrent");
        }
    }
}
