using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

public sealed class Http1BodyTests
{
    [Fact]
    public async Task Chunked_response_is_decoded_and_the_connection_reused()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("hello chunked world") { ChunkSize = 4 });
        h.Server.Enqueue(new MockResponse("again"));

        (await h.Client.GetStringAsync(h.Url("/"))).ShouldBe("hello chunked world");
        using var again = await h.Client.GetAsync(h.Url("/"));
        again.GetExchange().ConnectionReused.ShouldBeTrue();
    }

    [Fact]
    public async Task Trailers_become_trailing_headers()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("body") { Trailers = { { "X-Checksum", "abc" } } });

        using var response = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        (await response.Content.ReadAsStringAsync()).ShouldBe("body");
        response.TrailingHeaders.GetValues("X-Checksum").ShouldBe(["abc"]);
    }

    [Fact]
    public async Task A_body_delimited_by_close_is_read_to_the_end_and_the_connection_closed()
    {
        using var raw = new RawHttpServer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
        var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync($"http://127.0.0.1:{raw.Port}/");

        (await response.Content.ReadAsStringAsync()).ShouldBe("until the end");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        handler.Pool.ConnectionCount.ShouldBe(0);
    }

    [Fact]
    public async Task Head_and_204_have_no_body_and_keep_the_connection()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("ignored for HEAD"));
        h.Server.Enqueue(new MockResponse(204));
        h.Server.Enqueue(new MockResponse("last"));

        using (var head = await h.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, h.Url("/"))))
        {
            (await head.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        }

        using (var noContent = await h.Client.GetAsync(h.Url("/")))
        {
            ((int)noContent.StatusCode).ShouldBe(204);
        }

        using var last = await h.Client.GetAsync(h.Url("/"));
        (await last.Content.ReadAsStringAsync()).ShouldBe("last");
        last.GetExchange().SequenceNumber.ShouldBe(2);
    }

    [Fact]
    public async Task Informational_responses_are_skipped()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("final") { InformationalResponses = { new MockResponse(103) { Headers = { { "Link", "</a.css>" } } } } });

        using var response = await h.Client.GetAsync(h.Url("/"));
        ((int)response.StatusCode).ShouldBe(200);
        (await response.Content.ReadAsStringAsync()).ShouldBe("final");
    }

    [Fact]
    public async Task Fixed_length_and_chunked_request_bodies_are_framed()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("1"));
        h.Server.Enqueue(new MockResponse("2"));

        (await h.Client.PostAsync(h.Url("/fixed"), new StringContent("fixed body"))).Dispose();
        (await h.Client.PostAsync(h.Url("/chunked"), new StreamContent(new NonSeekableStream("streamed body"u8.ToArray())))).Dispose();

        var fixedRequest = h.Server.TakeRequest();
        fixedRequest.BodyText.ShouldBe("fixed body");
        fixedRequest.Headers["Content-Length"].ShouldBe("10");
        var chunked = h.Server.TakeRequest();
        chunked.BodyText.ShouldBe("streamed body");
        chunked.Headers["Transfer-Encoding"].ShouldBe("chunked");
        chunked.ChunkSizes.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Expect_continue_waits_for_100_then_sends_the_body()
    {
        var listener = new RecordingEventListener();
        await using var h = await ClientHarness.StartAsync(new InstrumentedHandler { EventListener = listener });
        h.Server.Enqueue(new MockResponse("accepted") { SocketPolicy = SocketPolicy.ExpectContinue });
        using var request = new HttpRequestMessage(HttpMethod.Post, h.Url("/upload")) { Content = new StringContent("payload") };
        request.Headers.ExpectContinue = true;

        using var response = await h.Client.SendAsync(request);

        (await response.Content.ReadAsStringAsync()).ShouldBe("accepted");
        var recorded = h.Server.TakeRequest();
        recorded.BodyText.ShouldBe("payload");
        recorded.Headers["Expect"].ShouldBe("100-continue");
        listener.EventNames.ShouldContain("RequestBodyEnd");
    }

    [Fact]
    public async Task Invalid_header_values_are_refused_before_anything_is_sent()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("unused"));
        using var request = new HttpRequestMessage(HttpMethod.Get, h.Url("/"));
        request.Headers.TryAddWithoutValidation("X-Injected", "a\r\nEvil: 1").ShouldBeTrue();

        var failure = await Should.ThrowAsync<HttpRequestException>(() => h.Client.SendAsync(request));

        failure.Message.ShouldContain("X-Injected");
        failure.InnerException.ShouldBeOfType<ArgumentException>();
        h.Server.RequestCount.ShouldBe(0);
        h.Pool.IdleConnectionCount.ShouldBe(h.Pool.ConnectionCount, "nothing was written, so the connection is clean");
    }
}
