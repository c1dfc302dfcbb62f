using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// A duplex HTTP/1.1 response whose script names <c>Transfer-Encoding: chunked</c> is framed chunked
/// by the server, as the field announces: the field never turns the framing off and sends raw bytes.
/// </summary>
public sealed class DuplexScriptedFramingTests
{
    [Fact]
    public async Task A_scripted_chunked_field_is_framed_chunked_and_sent_once()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            Headers = { { "Transfer-Encoding", "chunked" }, { "Connection", "close" } },
            DuplexHandler = async (_, body, ct) => await body.WriteAsync("hello"u8.ToArray(), ct),
        });
        await using var raw = await RawConnection.OpenAsync(server);

        await raw.SendAsync("GET /duplex HTTP/1.1\r\nHost: x\r\n\r\n");

        var response = await raw.ReadToEndAsync();
        response.ShouldEndWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        response.Split("Transfer-Encoding: chunked").Length.ShouldBe(2); // The field once, as scripted.
    }

    [Fact]
    public async Task HttpClient_reads_the_body_of_a_scripted_chunked_duplex_response()
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            Headers = { { "Transfer-Encoding", "chunked" } },
            DuplexHandler = async (_, body, ct) => await body.WriteAsync("hello"u8.ToArray(), ct),
        });
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        (await client.GetStringAsync(server.Url("/duplex"))).ShouldBe("hello");
    }
}
