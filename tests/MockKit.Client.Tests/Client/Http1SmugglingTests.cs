using System.Text;
using MockKit.Client.Tests.Fuzz;
using MockKit.Client.Tests.Support;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length, and a response whose final
/// transfer coding is not chunked is delimited by the close of the connection. A client that frames
/// such a response by its Content-Length and pools the connection hands the bytes after it (a
/// smuggled second response) to the next call.
/// </summary>
public sealed class Http1SmugglingTests
{
    private const string Smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled";

    [Theory]
    [InlineData("gzip")]
    [InlineData("gzip, deflate")]
    public async Task A_non_chunked_transfer_coding_with_Content_Length_is_read_to_close_and_never_pooled(string coding)
    {
        // The smuggled response follows on the first connection only if the client sends it a second
        // request (in its own segment, so no health check sees it early); a new connection gets "fresh".
        await using var server = new ScriptedRawServer((connection, request) =>
        {
            var response = (connection, request) switch
            {
                (0, 0) => $"HTTP/1.1 200 OK\r\nTransfer-Encoding: {coding}\r\nContent-Length: 5\r\n\r\nhello",
                (0, _) => Smuggled,
                _ => "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh",
            };
            return (Encoding.ASCII.GetBytes(response), false); // Kept open: nothing delimits the first body.
        });
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);
        var url = $"http://127.0.0.1:{server.Port}/";

        using (var first = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead))
        {
            // Read what Content-Length claims, then let go: the body is not over (it runs to close).
            await using var body = await first.Content.ReadAsStreamAsync();
            var buffer = new byte[5];
            await body.ReadExactlyAsync(buffer);
            Encoding.ASCII.GetString(buffer).ShouldBe("hello");
        }

        using var second = await client.GetAsync(url);
        (await second.Content.ReadAsStringAsync()).ShouldBe("fresh");
        second.GetExchange().ConnectionReused.ShouldBeFalse();
    }

    [Fact]
    public async Task A_non_chunked_transfer_coding_body_runs_until_the_server_closes()
    {
        using var raw = new RawHttpServer($"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello{Smuggled}");
        using var handler = new InstrumentedHandler();
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync($"http://127.0.0.1:{raw.Port}/");

        // Content-Length is ignored (Transfer-Encoding overrides it); the coding itself is passed through undecoded.
        (await response.Content.ReadAsStringAsync()).ShouldBe("hello" + Smuggled);
        handler.Pool.ConnectionCount.ShouldBe(0);
    }
}
