using MockKit.Client.Tests.Support;
using MockKit.Tls;

namespace MockKit.Client.Tests.Interop;

public sealed class KestrelTests(KestrelFixture kestrel) : IClassFixture<KestrelFixture>
{
    [Fact]
    public async Task Kestrel_http1_reuses_one_connection()
    {
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        (await client.GetStringAsync(kestrel.HttpUrl)).ShouldBe("hello kestrel");
        using var second = await client.GetAsync(kestrel.HttpUrl);

        (await second.Content.ReadAsStringAsync()).ShouldBe("hello kestrel");
        second.Version.ShouldBe(new Version(1, 1));
        second.GetExchange().ConnectionReused.ShouldBeTrue();
        handler.Pool.ConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Kestrel_chunked_response_is_streamed()
    {
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync(new Uri(kestrel.HttpUrl, "/stream"), HttpCompletionOption.ResponseHeadersRead);
        response.Headers.TransferEncodingChunked.ShouldBe(true);
        handler.Pool.IdleConnectionCount.ShouldBe(0);

        (await response.Content.ReadAsStringAsync()).ShouldBe("part0;part1;part2;");
        handler.Pool.IdleConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Kestrel_receives_a_chunked_request_body()
    {
        using var client = new HttpClient(new InstrumentedHandler());

        using var response = await client.PostAsync(new Uri(kestrel.HttpUrl, "/echo"), new StreamContent(new NonSeekableStream("streamed up"u8.ToArray())));

        (await response.Content.ReadAsStringAsync()).ShouldBe("chunked|streamed up");
    }

    [Fact]
    public async Task Kestrel_https_with_the_localhost_certificate()
    {
        using var handler = new InstrumentedHandler { Certificates = HandshakeCertificates.Localhost() };
        using var client = new HttpClient(handler);

        using var response = await kestrel.Host.ExplainAsync(() => client.GetAsync(kestrel.HttpsUrl));

        (await response.Content.ReadAsStringAsync()).ShouldBe("hello kestrel");
        var handshake = response.GetExchange().Handshake.ShouldNotBeNull();
        handshake.ApplicationProtocol.ShouldBe("http/1.1");
        handshake.ServerName.ShouldBe("localhost");
    }
}
