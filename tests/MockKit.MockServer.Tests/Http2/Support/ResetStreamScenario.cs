using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace MockKit.MockServer.Tests.Http2.Support;

/// <summary>
/// A server (h2c, frozen clock) whose requests reach the dispatching stage named by a
/// <see cref="PendingExchange"/> and stay there; the test learns when each request got there, and
/// for <see cref="PendingExchange.Ended"/> when its exchange ended. Every wait has a deadline.
/// </summary>
internal sealed class ResetStreamScenario : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly Channel<string> _dispatching = Channel.CreateUnbounded<string>();
    private readonly Channel<int> _forgotten = Channel.CreateUnbounded<int>();
    // One signal per request path, not a counter shared by the rounds: a deaf dispatcher can only
    // ever be let go by its own round's Release, whatever order the rounds' tasks run in.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _releases = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _dispatches = new(StringComparer.Ordinal);
    private readonly PendingExchange _pending;
    private MockWebServer? _upstream;
    private HttpMessageHandler? _upstreamHandler;

    private ResetStreamScenario(PendingExchange pending)
    {
        _pending = pending;
        Server = new MockWebServer { Protocols = [Protocol.H2PriorKnowledge], TimeProvider = Clock };
    }

    /// <summary>The server's clock (frozen unless the test advances it).</summary>
    public FakeTimeProvider Clock { get; } = new();

    public MockWebServer Server { get; }

    public static async Task<ResetStreamScenario> StartAsync(PendingExchange pending)
    {
        var scenario = new ResetStreamScenario(pending);
        var server = scenario.Server;
        switch (pending)
        {
            case PendingExchange.DeafDispatcher:
                server.Dispatcher = new DeafDispatcher(scenario);
                break;
            case PendingExchange.HeadersDelay:
                server.Dispatcher = Dispatcher.From(request =>
                {
                    scenario._dispatching.Writer.TryWrite(request.Path ?? string.Empty);
                    return new MockResponse("late") { HeadersDelay = TimeSpan.FromDays(1) };
                });
                break;
            case PendingExchange.StreamedForward:
                scenario._upstream = new MockWebServer { Dispatcher = new SilentDispatcher(scenario) };
                await scenario._upstream.StartAsync();
                scenario._upstreamHandler = new SocketsHttpHandler();
                server.Dispatcher = Dispatcher.Forward(scenario._upstreamHandler, scenario._upstream.Url("/"));
                break;
            case PendingExchange.Ended:
                server.Dispatcher = new SilentDispatcher(scenario);
                server.Http2StreamForgotten = (_, streamId) => scenario._forgotten.Writer.TryWrite(streamId);
                break;
        }

        await server.StartAsync();
        return scenario;
    }

    /// <summary>Waits until the request for <paramref name="path"/> reached its dispatching stage.</summary>
    public async Task WaitDispatchingAsync(string path)
    {
        using var cts = new CancellationTokenSource(Deadline);
        (await _dispatching.Reader.ReadAsync(cts.Token)).ShouldBe(path);
    }

    /// <summary>After the client's RST_STREAM: for <see cref="PendingExchange.Ended"/>, waits until the stream's exchange ended.</summary>
    public async Task AfterResetAsync(int streamId)
    {
        if (_pending == PendingExchange.Ended)
        {
            using var cts = new CancellationTokenSource(Deadline);
            (await _forgotten.Reader.ReadAsync(cts.Token)).ShouldBe(streamId);
        }
    }

    /// <summary>Lets the deaf dispatcher of <paramref name="path"/> return (its response must never reach the wire: the stream was reset).</summary>
    public void Release(string path)
    {
        if (_pending == PendingExchange.DeafDispatcher)
        {
            ReleaseOf(path).TrySetResult();
        }
    }

    /// <summary>Each request reached the deaf dispatcher exactly once (a reset stream is never dispatched again).</summary>
    public void ShouldHaveDispatchedOnce(string path)
    {
        if (_pending == PendingExchange.DeafDispatcher)
        {
            _dispatches.GetValueOrDefault(path).ShouldBe(1, $"dispatches of {path}");
        }
    }

    private TaskCompletionSource ReleaseOf(string path) =>
        _releases.GetOrAdd(path, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        _upstreamHandler?.Dispose();
    }

    /// <summary>Waits for the test's signal whatever the token says, like user code that ignores cancellation.</summary>
    private sealed class DeafDispatcher(ResetStreamScenario scenario) : Dispatcher
    {
        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            var path = request.Path ?? string.Empty;
            scenario._dispatches.AddOrUpdate(path, 1, static (_, count) => count + 1);
            scenario._dispatching.Writer.TryWrite(path);
            await scenario.ReleaseOf(path).Task.WaitAsync(Deadline, CancellationToken.None);
            return new MockResponse("late");
        }
    }

    /// <summary>Never answers; ends only when cancelled.</summary>
    private sealed class SilentDispatcher(ResetStreamScenario scenario) : Dispatcher
    {
        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            scenario._dispatching.Writer.TryWrite(request.Path ?? string.Empty);
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return new MockResponse("never");
        }
    }
}
