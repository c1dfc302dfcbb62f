using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

/// <summary>
/// An HTTP/1 session reuses the previous request head's strings, field list and head object where the
/// next head repeats their bytes (Http1FieldCache). Each request on a kept-alive connection must still
/// be served and recorded with its own method, target and fields, and its own Connection and Expect
/// fields must decide what the session does.
/// </summary>
public sealed class KeptAliveHeadTests
{
    [Fact]
    public async Task Each_request_on_one_connection_keeps_its_own_head()
    {
        await using var server = new MockWebServer
        {
            Dispatcher = Dispatcher.From(r => new MockResponse($"{r.Method} {r.Target} {r.Headers["X-Id"]}")),
        };
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\nX-Id: one\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("GET /a one");
        await raw.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\nX-Id: one\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("GET /a one");
        await raw.SendAsync("PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-Id: two\r\n\r\nhi");
        (await raw.ReadResponseAsync()).ShouldEndWith("PUT /b two");
        await raw.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("GET /a ");

        var recorded = Enumerable.Range(0, 4).Select(_ => server.TakeRequest()).ToList();
        recorded.Select(r => r.RequestLine).ShouldBe(["GET /a HTTP/1.1", "GET /a HTTP/1.1", "PUT /b HTTP/1.1", "GET /a HTTP/1.1"]);
        recorded.Select(r => r.Headers["X-Id"]).ShouldBe(["one", "one", "two", null]);
        recorded[2].BodyText.ShouldBe("hi");
        recorded[3].Headers.Select(h => h.Key).ShouldBe(["Host"], "no field of an earlier head survives into a shorter one");
        recorded.Select(r => r.SequenceNumber).ShouldBe([0, 1, 2, 3]);
    }

    [Fact]
    public async Task A_later_head_that_asks_to_close_is_answered_and_closed()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("first"));
        server.Enqueue(new MockResponse("second"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("first");
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("second");

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue("the second head's Connection: close, at the same position as the first's keep-alive, was read afresh");
    }

    [Fact]
    public async Task A_later_head_without_a_body_reads_no_body()
    {
        // The first request's body framing must not leak into the next head's: the third request
        // would otherwise wait for a body that never comes.
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("1"));
        server.Enqueue(new MockResponse("2"));
        server.Enqueue(new MockResponse("3"));
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        (await raw.ReadResponseAsync()).ShouldEndWith("1");
        await raw.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ndef");
        (await raw.ReadResponseAsync()).ShouldEndWith("2");
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        (await raw.ReadResponseAsync()).ShouldEndWith("3");

        server.TakeRequest().BodyText.ShouldBe("abc");
        server.TakeRequest().BodyText.ShouldBe("def");
        var get = server.TakeRequest();
        get.BodySize.ShouldBe(0);
        get.Body.ShouldBeEmpty();
    }
}
