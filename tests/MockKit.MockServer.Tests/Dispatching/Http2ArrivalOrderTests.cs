using System.Text;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Dispatching;

/// <summary>
/// Over HTTP/2, streams whose HEADERS arrive back to back take their route responses in the order
/// the HEADERS arrived, as the queue does: the claim is made on the reader as each request head
/// arrives, not later on the thread pool, whose order is not the wire's. Each test repeats the
/// race on one connection; a claim made in the exchange task hands stream 1 the second response
/// in most rounds.
/// </summary>
public sealed class Http2ArrivalOrderTests
{
    private const int Rounds = 48;

    [Fact]
    public async Task RespondInOrder_answers_streams_in_the_order_their_headers_arrived()
    {
        var routes = new RouteDispatcher();
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], Dispatcher = routes };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        for (var round = 0; round < Rounds; round++)
        {
            routes.Map("GET", $"/in-order/{round}").RespondInOrder(new MockResponse("a"), new MockResponse("b"));
            var first = 1 + (4 * round);
            var bodies = await ExchangeBackToBackAsync(peer, first, $"/in-order/{round}");
            bodies.ShouldBe(["a", "b"], $"round {round}: stream {first} must get the first in-order response");
        }
    }

    [Fact]
    public async Task Times_then_a_later_rule_answers_streams_in_the_order_their_headers_arrived()
    {
        var routes = new RouteDispatcher();
        await using var server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], Dispatcher = routes };
        await using var peer = await Http2TestPeer.HandshakeAsync(server);

        for (var round = 0; round < Rounds; round++)
        {
            routes.Map("GET", $"/once/{round}").Times(1).Respond(new MockResponse("a"));
            routes.Map("GET", $"/once/{round}").Respond(new MockResponse("b"));
            var first = 1 + (4 * round);
            var bodies = await ExchangeBackToBackAsync(peer, first, $"/once/{round}");
            bodies.ShouldBe(["a", "b"], $"round {round}: stream {first} must use up the Times(1) rule");
        }
    }

    /// <summary>
    /// Sends two GETs for <paramref name="path"/> on streams <paramref name="firstStream"/> and the
    /// next id in ONE write, reads both responses to their end; returns their bodies in stream order.
    /// </summary>
    private static async Task<string[]> ExchangeBackToBackAsync(Http2TestPeer peer, int firstStream, string path)
    {
        int[] streams = [firstStream, firstStream + 2];
        await peer.SendFrameAsync(w =>
        {
            foreach (var id in streams)
            {
                var block = peer.Encode([(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", path)]);
                Http2FrameWriter.WriteHeaders(w, id, block, endStream: true, endHeaders: true);
            }
        });

        var bodies = new Dictionary<int, MemoryStream> { [streams[0]] = new(), [streams[1]] = new() };
        for (var ended = 0; ended < streams.Length;)
        {
            var frame = await peer.ReadFrameAsync() ?? throw new IOException("The server closed the connection.");
            if (frame.Type is Http2FrameType.RstStream or Http2FrameType.GoAway)
            {
                throw new IOException($"Unexpected {frame}.");
            }

            if (frame.Type == Http2FrameType.Headers)
            {
                peer.DecodeHeaders(frame).First().Value.ShouldBe("200"); // Also keeps the HPACK decoder in step.
            }
            else if (frame.Type == Http2FrameType.Data)
            {
                bodies[frame.StreamId].Write(frame.Payload);
            }

            if (frame.StreamId != 0 && frame.Flags.HasFlag(Http2FrameFlags.EndStream))
            {
                ended++;
            }
        }

        return [.. streams.Select(id => Encoding.UTF8.GetString(bodies[id].ToArray()))];
    }
}
