using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// RFC 9113 section 5.1, "closed": "An endpoint that receives any frame other than PRIORITY after
/// receiving a RST_STREAM MUST treat that as a stream error (Section 5.4.2) of type STREAM_CLOSED."
/// The client opens a stream, resets it with CANCEL and sends HEADERS on it again; the server must
/// answer RST_STREAM(STREAM_CLOSED) every time, whether the stream's exchange is still dispatching or
/// has ended, and the connection goes on serving. A stream error, not GOAWAY: the rule says so, and one
/// answer for every timing is what makes the outcome deterministic.
/// </summary>
public sealed class Http2ResetStreamTests
{
    private const int Iterations = 1_000;

    // Each round costs two resets of the flood budget (the client's CANCEL and our STREAM_CLOSED) and
    // serves nothing, so the frozen clock moves a budget window on well before 1,000 resets.
    private const int RoundsPerFloodWindow = 200;

    [Theory]
    [InlineData(PendingExchange.DeafDispatcher)]
    [InlineData(PendingExchange.HeadersDelay)]
    [InlineData(PendingExchange.StreamedForward)]
    [InlineData(PendingExchange.Ended)]
    public async Task Headers_after_the_clients_reset_is_stream_closed_on_fresh_connections(PendingExchange pending)
    {
        await using var scenario = await ResetStreamScenario.StartAsync(pending);
        for (var round = 0; round < Iterations; round++)
        {
            await using var peer = await Http2TestPeer.HandshakeAsync(scenario.Server);
            await ResetThenHeadersAsync(scenario, peer, streamId: 1, round);
            await peer.PingRoundTripAsync((ulong)round);
        }
    }

    [Theory]
    [InlineData(PendingExchange.DeafDispatcher)]
    [InlineData(PendingExchange.HeadersDelay)]
    [InlineData(PendingExchange.StreamedForward)]
    [InlineData(PendingExchange.Ended)]
    public async Task Headers_after_the_clients_reset_is_stream_closed_on_one_connection(PendingExchange pending)
    {
        await using var scenario = await ResetStreamScenario.StartAsync(pending);
        await using var peer = await Http2TestPeer.HandshakeAsync(scenario.Server);
        for (var round = 0; round < Iterations; round++)
        {
            if (round % RoundsPerFloodWindow == RoundsPerFloodWindow - 1)
            {
                scenario.Clock.Advance(TimeSpan.FromSeconds(1));
            }

            await ResetThenHeadersAsync(scenario, peer, streamId: (2 * round) + 1, round);
        }

        // Nothing else came (no late response on a reset stream, no GOAWAY): the connection still answers.
        await peer.PingRoundTripAsync(0xC105ED);
    }

    private static async Task ResetThenHeadersAsync(ResetStreamScenario scenario, Http2TestPeer peer, int streamId, int round)
    {
        var path = $"/reset/{round}";
        try
        {
            await peer.SendRequestAsync(streamId, path);
            await scenario.WaitDispatchingAsync(path);
            await peer.SendResetAsync(streamId, Http2ErrorCode.Cancel);
            await scenario.AfterResetAsync(streamId);
            await peer.SendRequestAsync(streamId, path);
            await peer.VerifyResetAsync(streamId, Http2ErrorCode.StreamClosed);
            scenario.ShouldHaveDispatchedOnce(path);
        }
        catch (Exception e) when (e is ShouldAssertException or TimeoutException or OperationCanceledException)
        {
            throw new ShouldAssertException($"Round {round} (stream {streamId}): {e.Message}", e);
        }
        finally
        {
            scenario.Release(path);
        }
    }
}
