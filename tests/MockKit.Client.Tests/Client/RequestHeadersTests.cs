using MockKit.Client.Connections;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>Sending a request reads its headers without creating an empty collection it never had.</summary>
public sealed class RequestHeadersTests
{
    [Fact]
    public async Task A_request_without_headers_is_sent_without_creating_its_header_collection()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("ok"));
        using var invoker = new HttpMessageInvoker(h.Handler, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, h.Url("/bare"));

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        (await response.Content.ReadAsStringAsync()).ShouldBe("ok");
        RequestHeaders.IfAny(request).ShouldBeNull();
        (await h.Server.TakeRequestAsync()).Headers["Host"].ShouldBe($"{h.Url("/").Host}:{h.Server.Port}");
    }

    [Fact]
    public async Task Headers_a_request_has_are_seen_and_sent()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("ok"));
        using var invoker = new HttpMessageInvoker(h.Handler, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, h.Url("/with")) { Headers = { { "X-Custom", "1" } } };

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        RequestHeaders.IfAny(request).ShouldBeSameAs(request.Headers);
        (await h.Server.TakeRequestAsync()).Headers["X-Custom"].ShouldBe("1");
    }
}
