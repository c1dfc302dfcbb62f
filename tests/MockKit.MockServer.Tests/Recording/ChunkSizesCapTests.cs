using System.Text;
using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Recording;

/// <summary>A chunked body of many tiny chunks records the first 1,024 sizes and counts the rest.</summary>
public sealed class ChunkSizesCapTests
{
    [Fact]
    public async Task ChunkSizes_keeps_the_first_1024_and_ChunkCount_counts_every_chunk()
    {
        const int Chunks = 5000;
        await using var server = new MockWebServer();
        server.Enqueue(new MockResponse("ok"));
        var request = new StringBuilder("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (var i = 0; i < Chunks; i++)
        {
            request.Append(i % 2 == 0 ? "1\r\na\r\n" : "2\r\nbc\r\n");
        }

        request.Append("0\r\n\r\n");
        await using var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync(request.ToString());
        (await raw.ReadResponseAsync()).ShouldEndWith("ok");

        var recorded = server.TakeRequest();
        recorded.ChunkCount.ShouldBe(Chunks);
        recorded.ChunkSizes.Count.ShouldBe(1024);
        recorded.ChunkSizes.Take(4).ShouldBe([1, 2, 1, 2]);
        recorded.BodySize.ShouldBe(Chunks / 2 * 3);
    }
}
