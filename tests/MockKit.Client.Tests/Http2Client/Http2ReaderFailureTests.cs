using System.Buffers.Binary;
using System.Diagnostics;
using MockKit.Http2;

namespace MockKit.Client.Tests.Http2Client;

/// <summary>
/// The client's reader loop has a rung for the unexpected (Http2ReadLoopEnd): an exception that is
/// no protocol outcome still ends the connection with GOAWAY(INTERNAL_ERROR) and fails every caller,
/// instead of leaving them waiting on a reader that is gone.
/// </summary>
public sealed class Http2ReaderFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_unexpected_exception_in_the_reader_fails_the_callers_and_sends_goaway_internal_error()
    {
        // The reader stamps every frame with the handler's TimeProvider: user code, and so a real
        // way for something unforeseen to throw inside the reader loop.
        var time = new ReaderBreakingTimeProvider();
        await using var peer = new Http2ServerPeer();
        using var handler = new InstrumentedHandler { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = time, ReadTimeout = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var call = client.GetAsync(peer.Url("/"));
        var connection = await peer.AcceptAsync();
        await connection.ExpectAsync(Http2FrameType.Headers, 1);

        time.BreakReader = true;
        await connection.SendAsync(w => Http2FrameWriter.WritePing(w, 7));

        var failure = await Should.ThrowAsync<HttpRequestException>(() => call.WaitAsync(Deadline));
        failure.ToString().ShouldContain("unexpected error in the reader loop");
        failure.ToString().ShouldContain(ReaderBreakingTimeProvider.Message);
        var goAway = await connection.ExpectAsync(Http2FrameType.GoAway);
        ((Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4))).ShouldBe(Http2ErrorCode.InternalError);
        await Support.Eventually.WaitUntilAsync(() => handler.Pool.Connections.All(c => c.NoNewExchanges), "the connection is no longer handed out", Deadline);
    }

    /// <summary>The system clock, except that once armed it throws when the client's HTTP/2 reader loop asks for the time.</summary>
    private sealed class ReaderBreakingTimeProvider : TimeProvider
    {
        public const string Message = "the test clock broke inside the reader loop";

        public volatile bool BreakReader;

        public override long GetTimestamp()
        {
            if (BreakReader && IsReaderLoop(new StackTrace().ToString()))
            {
                throw new InvalidOperationException(Message);
            }

            return System.GetTimestamp();
        }

        // The client's reader loop: its own method, or the shared loop it runs (frames are stamped there).
        private static bool IsReaderLoop(string stack) =>
            stack.Contains("RunReaderAsync", StringComparison.Ordinal) || stack.Contains("Http2ReadLoop.RunAsync", StringComparison.Ordinal);
    }
}
