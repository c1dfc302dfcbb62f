using System.Text;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// A duplex response whose scripted headers say <c>Transfer-Encoding: chunked</c> is still chunk
/// framed: the header is a promise the server keeps, not a way to send the handler's bytes unframed
/// (a malformed body is <see cref="MockResponse.Malformed"/>'s job).
/// </summary>
public sealed class DuplexScriptedChunkedTests
{
    [Theory]
    [InlineData("chunked")]
    [InlineData("Chunked")]
    public async Task Scripted_chunked_header_keeps_the_chunk_framing(string coding)
    {
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse
        {
            Headers = { { "Transfer-Encoding", coding } },
            DuplexHandler = (_, response, ct) => response.WriteAsync(Encoding.ASCII.GetBytes("hello, duplex"), ct).AsTask(),
        });
        // A deadline: with the framing off, the client waits for a chunk-size line's end that never comes.
        using var client = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(20) };

        using var response = await client.GetAsync(server.Url("/duplex"));

        response.Headers.TransferEncoding.Select(c => c.Value).ShouldBe([coding]); // Sent once: the scripted field, no second one.
        (await response.Content.ReadAsStringAsync()).ShouldBe("hello, duplex");
        server.TakeRequest().Failure.ShouldBeNull();
    }
}
