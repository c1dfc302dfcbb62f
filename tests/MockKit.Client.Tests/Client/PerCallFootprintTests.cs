using System.Net;
using MockKit.Client.Connections;
using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// The objects every call allocates stay small (and nothing is made for a message that is never
/// shown), and what they stopped keeping is still known: the
/// response's exchange facts (built late from the connection) and a fixed-length body's declared
/// length (from the bytes read and still expected).
/// </summary>
public sealed class PerCallFootprintTests
{
    [Fact]
    public void A_response_costs_at_most_three_fields_more_than_the_runtimes()
    {
        // The call id, the sequence number with the reuse flag, and one reference that is the connection
        // until ExchangeInfo is asked for and the record after (was five fields and a reference more).
        _ = new InstrumentedResponse(HttpStatusCode.OK);
        _ = new HttpResponseMessage(HttpStatusCode.OK); // Warm up (JIT, static initialisers).

        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = new HttpResponseMessage(HttpStatusCode.OK);
        var runtime = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        _ = new InstrumentedResponse(HttpStatusCode.OK);
        var ours = GC.GetAllocatedBytesForCurrentThread() - before;

        (ours - runtime).ShouldBeLessThanOrEqualTo(24);
    }

    [Fact]
    public void Choosing_a_requests_protocols_allocates_nothing()
    {
        // The redacted URL for the error messages was made for every request, message or not.
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://user:secret@example.test:8080/items?page=2");
        IReadOnlyList<Protocol> protocols = [Protocol.Http2, Protocol.Http11];
        ProtocolPolicy.For(request, protocols); // Warm up (JIT, static initialisers).

        var before = GC.GetAllocatedBytesForCurrentThread();
        var policy = ProtocolPolicy.For(request, protocols);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        policy.ShouldBe(new ProtocolPolicy(Http11: true, Http2: false, PriorKnowledge: false));
        allocated.ShouldBe(0);
    }

    [Fact]
    public void A_refused_protocol_still_names_the_redacted_url()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://user:secret@example.test/items") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        var failure = Should.Throw<HttpRequestException>(() => ProtocolPolicy.For(request, [Protocol.Http11]));

        failure.HttpRequestError.ShouldBe(HttpRequestError.VersionNegotiationError);
        failure.Message.ShouldContain("example.test/items");
        failure.Message.ShouldNotContain("secret");
    }

    [Fact]
    public async Task The_exchange_facts_built_late_describe_the_exchange()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("a"));
        h.Server.Enqueue(new MockResponse("b"));

        using var first = await h.Client.GetAsync(h.Url("/1"));
        (await first.Content.ReadAsStringAsync()).ShouldBe("a");
        using var second = await h.Client.GetAsync(h.Url("/2"));
        (await second.Content.ReadAsStringAsync()).ShouldBe("b");

        var exchange = second.GetExchange();
        exchange.ShouldBeSameAs(second.GetExchange(), "built once, then kept");
        exchange.ConnectionReused.ShouldBeTrue();
        exchange.SequenceNumber.ShouldBe(1);
        exchange.ConnectionId.ShouldBe(first.GetExchange().ConnectionId);
        exchange.CallId.ShouldBe(first.GetExchange().CallId + 1);
        exchange.Protocol.ShouldBe(Protocol.Http11);
        exchange.Handshake.ShouldBeNull();
    }

    [Fact]
    public async Task A_fixed_length_body_that_ends_early_says_how_much_arrived()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Enqueue(new MockResponse("0123456789") { SocketPolicy = SocketPolicy.DisconnectDuringResponseBody(afterBytes: 4) });

        using var response = await h.Client.GetAsync(h.Url("/"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var failure = await Should.ThrowAsync<HttpIOException>(() => body.CopyToAsync(Stream.Null));

        failure.HttpRequestError.ShouldBe(HttpRequestError.ResponseEnded);
        failure.Message.ShouldContain("The response ended after 4 of 10 bytes.");
    }
}
