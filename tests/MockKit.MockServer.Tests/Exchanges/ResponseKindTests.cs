using System.Net;
using MockKit.Client;

namespace MockKit.MockServer.Tests.Exchanges;

/// <summary>
/// The general response kinds the pipeline gained for gRPC (and any other streamed protocol): a head that
/// is also the trailers, a body paced segment by segment on the server's clock, trailers a duplex handler
/// decides per exchange, and a response that needs HTTP/2.
/// </summary>
public sealed class ResponseKindTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_trailers_only_response_is_one_head_carrying_the_trailer_fields_and_no_body(bool http2)
    {
        await using var server = NewServer(http2);
        var response = new MockResponse { TrailersOnly = true, Body = "not sent", Headers = { { "x-head", "h" } }, Trailers = { { "x-status", "7" } } };
        server.Enqueue(response);
        using var client = new HttpClient(new InstrumentedHandler());

        using var answer = await client.SendAsync(Get(server, http2));

        answer.Headers.GetValues("x-head").ShouldBe(["h"]);
        answer.Headers.GetValues("x-status").ShouldBe(["7"]);
        answer.TrailingHeaders.ShouldBeEmpty();
        (await answer.Content.ReadAsStringAsync()).ShouldBeEmpty();
        if (http2)
        {
            // HTTP/2: one HEADERS with END_STREAM, no content-length (gRPC's Trailers-Only).
            answer.Content.Headers.NonValidated.Contains("Content-Length").ShouldBeFalse();
        }
        else
        {
            answer.Content.Headers.ContentLength.ShouldBe(0);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_paced_body_sends_each_segment_flushed_and_waits_on_the_servers_clock(bool http2)
    {
        var time = new ObservableTimeProvider();
        await using var server = NewServer(http2, time);
        server.Enqueue(new MockResponse { Body = MockBody.Paced([(byte[])[1, 2], (byte[])[3], (byte[])[4, 5]], TimeSpan.FromSeconds(30)) });
        using var client = new HttpClient(new InstrumentedHandler());

        using var answer = await client.SendAsync(Get(server, http2), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await answer.Content.ReadAsStreamAsync();
        (await ReadAsync(body, 2)).ShouldBe([1, 2]);

        // The next segment waits for the clock: a timer due in 30 s is armed and nothing more is sent yet.
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(30));
        var next = ReadAsync(body, 1);
        time.Advance(TimeSpan.FromSeconds(30));
        (await next.WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe([3]);
        await time.WaitForTimerDueAsync(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        (await ReadAsync(body, 2).WaitAsync(TimeSpan.FromSeconds(20))).ShouldBe([4, 5]);
        (await body.ReadAsync(new byte[1])).ShouldBe(0);
        server.TakeRequest().Failure.ShouldBeNull();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_duplex_handler_decides_its_trailers_per_exchange(bool http2)
    {
        await using var server = NewServer(http2);
        var served = 0;
        var response = new MockResponse
        {
            Trailers = { { "x-fixed", "f" } },
            DuplexHandler = (_, _, _) => Task.CompletedTask,
            DuplexTrailersHandler = async (_, output, ct) =>
            {
                var n = Interlocked.Increment(ref served);
                await output.WriteAsync(new byte[] { (byte)n }, ct);
                return new MockHeaders { { "x-exchange", n.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
            },
        };
        server.Dispatcher = Dispatcher.From(_ => response);
        using var client = new HttpClient(new InstrumentedHandler());

        for (var i = 1; i <= 2; i++)
        {
            using var answer = await client.SendAsync(Get(server, http2));
            (await answer.Content.ReadAsByteArrayAsync()).ShouldBe([(byte)i]);
            answer.TrailingHeaders.GetValues("x-fixed").ShouldBe(["f"]);
            answer.TrailingHeaders.GetValues("x-exchange").ShouldBe([i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
    }

    [Fact]
    public async Task A_response_that_needs_http2_is_a_505_with_a_named_failure_over_http_1_1_and_served_over_http2()
    {
        var response = new MockResponse("two") { RequiresHttp2 = "A test response" };
        await using (var h1 = NewServer(http2: false))
        {
            h1.Dispatcher = Dispatcher.From(_ => response);
            using var client = new HttpClient(new InstrumentedHandler());
            using var answer = await client.SendAsync(Get(h1, http2: false));
            answer.StatusCode.ShouldBe(HttpStatusCode.HttpVersionNotSupported);
            (await answer.Content.ReadAsStringAsync()).ShouldContain("A test response needs HTTP/2, but the request came over HTTP/1.1");
            h1.TakeRequest().Failure.ShouldBeOfType<ProtocolViolationException>().Message.ShouldContain("answered 505");
        }

        await using var h2 = NewServer(http2: true);
        h2.Dispatcher = Dispatcher.From(_ => response);
        using var h2Client = new HttpClient(new InstrumentedHandler());
        using var served = await h2Client.SendAsync(Get(h2, http2: true));
        (await served.Content.ReadAsStringAsync()).ShouldBe("two");
        h2.TakeRequest().Failure.ShouldBeNull();
    }

    private static MockWebServer NewServer(bool http2, TimeProvider? time = null)
    {
        var server = new MockWebServer { TimeProvider = time ?? TimeProvider.System };
        if (http2)
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        return server;
    }

    private static HttpRequestMessage Get(MockWebServer server, bool http2) => new(HttpMethod.Get, server.Url("/"))
    {
        Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static async Task<byte[]> ReadAsync(Stream body, int count)
    {
        var buffer = new byte[count];
        await body.ReadExactlyAsync(buffer);
        return buffer;
    }
}
