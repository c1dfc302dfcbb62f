using System.Net;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Malformed;

/// <summary>
/// A request head over <see cref="MockWebServer.MaxRequestHeadBytes"/> is answered 431 (RFC 6585
/// section 5) and recorded with the failure, and the client sees the 431. HTTP/1.1 through the
/// runtime's client, which sends the whole oversized head before it reads. HTTP/2 through the
/// frame-level peer: the runtime's client refuses to send such a head itself once it has the
/// server's SETTINGS_MAX_HEADER_LIST_SIZE, so whether it reaches the server is a race there.
/// </summary>
public sealed class HeaderFieldsTooLargeTests
{
    [Fact]
    public async Task An_oversized_head_from_HttpClient_gets_431()
    {
        await using var server = new MockWebServer { MaxRequestHeadBytes = 16 * 1024 };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/big"));

        // Well past the limit and past what a socket buffer takes at once (200 KiB).
        for (var i = 0; i < 50; i++)
        {
            request.Headers.Add($"X-Big-{i}", new string('a', 4096));
        }

        using var response = await client.SendAsync(request);

        ((int)response.StatusCode).ShouldBe(431);
        server.TakeRequest().Failure.ShouldBeOfType<ProtocolViolationException>();
    }

    [Fact]
    public async Task An_oversized_header_list_on_a_finished_request_gets_431_and_no_reset()
    {
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], MaxRequestHeadBytes = 16 * 1024 };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        await peer.SendRequestAsync(1, "/big", "GET", endStream: true, ("x-big", new string('a', 20_000)));

        var response = await peer.ReadResponseAsync(1);
        response.Status.ShouldBe("431");

        // The request had ended, so our END_STREAM closed the stream: a RST_STREAM after it would make
        // a client report the reset instead of the 431 (the runtime's does). Anything but the PING's
        // ACK fails the round trip.
        await peer.PingRoundTripAsync(7);
        server.TakeRequest().Failure.ShouldBeOfType<ProtocolViolationException>();
    }
}
