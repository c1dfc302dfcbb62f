using Microsoft.Extensions.Time.Testing;
using MockKit.Http2;
using MockKit.MockServer.Tests.Http2.Support;

namespace MockKit.MockServer.Tests.Http2;

/// <summary>
/// The end of an HTTP/2 session is bounded on real time: a server on a frozen
/// <see cref="FakeTimeProvider"/> still ends a connection whose exchange is stuck in user code.
/// </summary>
public sealed class Http2ShutdownTests
{
    [Fact]
    public async Task A_session_end_waits_in_real_time_even_when_the_servers_clock_is_frozen()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = new StuckDispatcher();
        try
        {
            await using var server = new MockWebServer
            {
                Protocols = [Protocol.H2PriorKnowledge],
                TimeProvider = new FakeTimeProvider(),
                ShutdownTimeout = TimeSpan.FromSeconds(1),
                Dispatcher = stuck,
                TrafficLog = line =>
                {
                    if (line.EndsWith("] closed", StringComparison.Ordinal))
                    {
                        closed.TrySetResult();
                    }
                },
            };
            await using var peer = await Http2TestPeer.HandshakeAsync(server);
            await peer.SendRequestAsync(1);
            await stuck.Dispatched.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // A connection error while the exchange is stuck in a dispatcher that ignores its token.
            await peer.SendRawFrameAsync(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 2]);
            await peer.VerifyGoAwayAsync(1, Http2ErrorCode.ProtocolError);

            // The session gives the exchange ShutdownTimeout of real time, then ends anyway.
            await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await server.ShutdownAsync();
        }
        finally
        {
            stuck.Unblock.TrySetResult();
        }
    }

    /// <summary>A dispatcher stuck until the test releases it, deaf to cancellation.</summary>
    private sealed class StuckDispatcher : Dispatcher
    {
        public TaskCompletionSource Dispatched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Unblock { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            Dispatched.TrySetResult();
            await Unblock.Task;
            return new MockResponse();
        }
    }
}
