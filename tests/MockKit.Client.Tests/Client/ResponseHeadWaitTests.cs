using MockKit.Client.Tests.Support;
using MockKit.MockServer;

namespace MockKit.Client.Tests.Client;

/// <summary>
/// A request without content waits for its response head through its connection's one reusable wait
/// (Http1Connection.ResponseHeadWait) instead of an async method. It must behave like the await it
/// replaced: the caller's ExecutionContext reaches the code that runs when the head arrives (listener
/// callbacks), and each exchange on the connection gets its own response.
/// </summary>
public sealed class ResponseHeadWaitTests
{
    private static readonly AsyncLocal<string?> s_caller = new();

    [Fact]
    public async Task A_head_that_arrives_later_is_handled_in_the_callers_context_for_each_exchange()
    {
        var listener = new ContextListener();
        await using var h = await ClientHarness.StartAsync(
            new InstrumentedHandler { EventListener = listener },
            server => server.Dispatcher = new GatedDispatcher(listener));

        var first = await GetAsync(h, "/1", "first caller");
        var second = await GetAsync(h, "/2", "second caller");

        first.ShouldBe(("/1", "first caller"));
        second.ShouldBe(("/2", "second caller"));
        listener.Waited.ShouldBe(2, "each head was answered only after its exchange started waiting for it");
        h.Server.TakeRequest().SequenceNumber.ShouldBe(0);
        h.Server.TakeRequest().SequenceNumber.ShouldBe(1, "both exchanges ran on one connection, so its wait served both");
    }

    private static async Task<(string Body, string? SeenAtHeadersEnd)> GetAsync(ClientHarness h, string path, string caller)
    {
        s_caller.Value = caller;
        try
        {
            var body = await h.Client.GetStringAsync(h.Url(path));
            return (body, h.Handler.EventListener is ContextListener listener ? listener.SeenAtHeadersEnd : null);
        }
        finally
        {
            s_caller.Value = null;
        }
    }

    /// <summary>Records what the caller's AsyncLocal holds when the response head was handled, and lets the server answer once the client waits.</summary>
    private sealed class ContextListener : EventListener
    {
        private TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waited { get; private set; }

        public string? SeenAtHeadersEnd { get; private set; }

        public Task WaitingAsync() => Volatile.Read(ref _waiting).Task;

        public override void OnResponseHeadersStart(long callId)
        {
            Waited++;
            Volatile.Read(ref _waiting).TrySetResult();
        }

        public override void OnResponseHeadersEnd(long callId, HttpResponseMessage response)
        {
            SeenAtHeadersEnd = s_caller.Value;
            Volatile.Write(ref _waiting, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>Answers each request with its path, only after the client announced it is waiting for the head.</summary>
    private sealed class GatedDispatcher(ContextListener listener) : Dispatcher
    {
        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            await listener.WaitingAsync().WaitAsync(cancellationToken);
            return new MockResponse(request.Target);
        }
    }
}
