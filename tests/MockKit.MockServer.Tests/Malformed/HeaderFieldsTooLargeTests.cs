using System.Net;

namespace MockKit.MockServer.Tests.Malformed;

/// <summary>
/// A request head over <see cref="MockWebServer.MaxRequestHeadBytes"/> is answered 431 (RFC 6585
/// section 5) and recorded with the failure, on every protocol, and the client sees the 431: seen
/// here through the runtime's client, which sends the whole oversized head before it reads.
/// </summary>
public sealed class HeaderFieldsTooLargeTests
{
    [Theory]
    [InlineData("http/1.1")]
    [InlineData("h2c")]
    public async Task An_oversized_head_from_HttpClient_gets_431(string protocol)
    {
        await using var server = new MockWebServer { MaxRequestHeadBytes = 16 * 1024 };
        if (protocol == "h2c")
        {
            server.Protocols = [Protocol.H2PriorKnowledge];
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/big"))
        {
            Version = protocol == "h2c" ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        // Well past the limit and past what a socket buffer takes at once (200 KiB).
        for (var i = 0; i < 50; i++)
        {
            request.Headers.Add($"X-Big-{i}", new string('a', 4096));
        }

        using var response = await client.SendAsync(request);

        ((int)response.StatusCode).ShouldBe(431);
        server.TakeRequest().Failure.ShouldBeOfType<ProtocolViolationException>();
    }
}
