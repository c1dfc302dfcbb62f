using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;

namespace MockKit.Assertions;

/// <summary>
/// The test-framework-neutral half of <c>MockKit.Xunit.MockKitTest</c>: one server, one
/// instrumented handler and one client wired for a <see cref="MockKitTransport"/>, and the
/// end-of-test checks. The xunit v2 and xunit v3 packages each wrap it in their own
/// <c>MockKitTest</c> (same members, different lifecycle interfaces), so the behaviour a test
/// sees is written once and moving a suite between the two is a package swap. A base class for
/// another runner does the same: create one per test, call <see cref="StartAsync"/> before the
/// test body and <see cref="FinishAsync"/> after it.
/// </summary>
/// <remarks>One instance per test; not thread-safe beyond what its members document.</remarks>
public sealed class MockKitTestHarness
{
    /// <summary>How often the release check looks at the pool: it raises no change notification a waiter could block on.</summary>
    private static readonly TimeSpan s_releasePollInterval = TimeSpan.FromMilliseconds(10);

    private readonly Action<string> _writeLine;
    private readonly List<(Func<CancellationToken, Task> Check, Func<Task> Cleanup)> _extraChecks = [];
    private bool _started;

    /// <summary>Creates the server, handler and client for <paramref name="transport"/>; nothing starts until <see cref="StartAsync"/>.</summary>
    /// <param name="writeLine">Where the traffic log and the call events go (the runner's test output).</param>
    /// <param name="transport">HTTP/1.1 or HTTP/2, cleartext or TLS, for both the server and the client.</param>
    public MockKitTestHarness(Action<string> writeLine, MockKitTransport transport)
    {
        ArgumentNullException.ThrowIfNull(writeLine);
        _writeLine = writeLine;
        Transport = transport;
        Events = new RecordingEventListener();
        Server = new MockWebServer
        {
            TrafficLog = line => WriteLine($"server | {line}"),
            // The server is started before the test body runs, so a test cannot call UseHttps and friends
            // itself: the error it gets names the way to choose the transport here.
            FrozenSettingRemedy = "This is MockKitTest's server, started before the test body runs: choose the transport in the "
                + "test class's constructor instead, e.g. `: MockKitTest(MockKitTransport.Https)` (or Http2, H2PriorKnowledge), "
                + "or create a MockWebServer of your own in the test and configure it before starting it.",
        };
        Handler = new InstrumentedHandler { EventListener = Events };
        var certificates = transport is MockKitTransport.Https or MockKitTransport.Http2 ? HandshakeCertificates.Localhost() : null;
        switch (transport)
        {
            case MockKitTransport.Https:
                Server.UseHttps(certificates!);
                Server.Protocols = [Protocol.Http11];
                Handler.Certificates = certificates;
                Handler.Protocols = [Protocol.Http11];
                break;
            case MockKitTransport.Http2:
                Server.UseHttps(certificates!);
                Handler.Certificates = certificates;
                Handler.Protocols = [Protocol.Http2, Protocol.Http11];
                break;
            case MockKitTransport.H2PriorKnowledge:
                Server.Protocols = [Protocol.H2PriorKnowledge];
                Handler.Protocols = [Protocol.H2PriorKnowledge];
                break;
            default:
                break;
        }

        Client = new HttpClient(Handler, disposeHandler: false);
    }

    /// <summary>The transport the server and the client were wired for.</summary>
    public MockKitTransport Transport { get; }

    /// <summary>The server, started by <see cref="StartAsync"/> and shut down by <see cref="FinishAsync"/>.</summary>
    public MockWebServer Server { get; }

    /// <summary>The client's handler, whose pool the end-of-test checks inspect.</summary>
    public InstrumentedHandler Handler { get; }

    /// <summary>A client on <see cref="Handler"/> whose base address is the server's root once started.</summary>
    public HttpClient Client { get; }

    /// <summary>The handler's call events, written to the output when the test finishes.</summary>
    public RecordingEventListener Events { get; }

    /// <summary>Whether a scripted response left unused at the end is allowed (by default it fails the test).</summary>
    public bool AllowUnusedResponses { get; set; }

    /// <summary>Whether a request no route matched is allowed (by default it fails the test).</summary>
    public bool AllowUnmatchedRequests { get; set; }

    /// <summary>How long the end-of-test check waits for every connection to be released back to the pool.</summary>
    public TimeSpan ReleaseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Adds an end-of-test check of another part of the test (e.g. the <c>IHttpClientFactory</c> clients
    /// wired to <see cref="Server"/>): it runs after the built-in checks, under the same rules (its
    /// failure fails the test unless the test already failed), and its cleanup always runs, before the
    /// server shuts down. Not thread-safe: called from the test's own thread.
    /// </summary>
    public void AddCheck(Func<CancellationToken, Task> check, Func<Task> cleanup)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(cleanup);
        _extraChecks.Add((check, cleanup));
    }


    /// <summary>Starts the server and points <see cref="Client"/>'s base address at it.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server listens.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _started = true;
        await Server.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        // Relative URIs (a typed client's "users/7") resolve against the server.
        Client.BaseAddress = Server.Url("/");
    }

    /// <summary>
    /// Runs the end-of-test checks, writes the call events, and always releases the client and
    /// shuts the server down (bounded: <see cref="MockWebServer.ShutdownAsync"/> never hangs).
    /// Throws the first failed check after cleaning up — unless <paramref name="testFailed"/>: then
    /// the test's own failure is the one to read, and a check that fails because of it (an enqueued
    /// response the failed call never took, a response it never disposed) is only written to the
    /// output, after a line saying so, instead of being reported as a second failure.
    /// </summary>
    /// <param name="testFailed">Whether the test body already failed.</param>
    /// <param name="cancellationToken">Cancels the waits (the shutdown stays bounded either way).</param>
    /// <returns>A task that fails with the first failed check.</returns>
    public async Task FinishAsync(bool testFailed, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            if (_started)
            {
                if (!AllowUnmatchedRequests)
                {
                    Server.ShouldHaveNoUnmatchedRequests();
                }

                await CheckNoConnectionAllocatedAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (check, _) in _extraChecks)
                {
                    await check(cancellationToken).ConfigureAwait(false);
                }

                if (!AllowUnusedResponses && Server.Dispatcher is QueueDispatcher)
                {
                    Server.ShouldHaveTakenAllResponses();
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            WriteEvents();
            foreach (var (_, cleanup) in _extraChecks)
            {
                try
                {
                    await cleanup().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
            }

            Client.Dispose();
            Handler.Pool.EvictAll();
            Handler.Dispose();
            await Server.ShutdownAsync().ConfigureAwait(false);
        }

        if (failure is not null && testFailed)
        {
            WriteLine("MockKitTest: the test failed; this end-of-test check failed too and is not reported as a failure of its own:");
            WriteLine(failure.Message);
        }
        else if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private async Task CheckNoConnectionAllocatedAsync(CancellationToken cancellationToken)
    {
        var pool = Handler.Pool;
        var deadline = TimeProvider.System.GetTimestamp() + (long)(ReleaseTimeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (pool.Connections.Any(c => c.ActiveStreams > 0))
        {
            if (TimeProvider.System.GetTimestamp() >= deadline)
            {
                var allocated = pool.Connections.Count(c => c.ActiveStreams > 0);
                throw AssertionFailure.Create(
                    "pool",
                    "have no allocated connections when the test ends (was every response disposed?)",
                    "0 allocated",
                    $"{allocated} allocated",
                    ConnectionPoolAssertions.Describe(pool));
            }

            // A bounded poll: a response disposed on another thread releases its connection a
            // moment later, and the pool has no notification to wait on.
            await Task.Delay(s_releasePollInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    private void WriteEvents()
    {
        foreach (var e in Events.Events)
        {
            WriteLine($"client | call {e.CallId} {e.Name}{(e.Detail is null ? string.Empty : " " + e.Detail)}");
        }
    }

    /// <summary>Writes a line to the test's output; dropped once the output is closed.</summary>
    public void WriteLine(string line)
    {
        try
        {
            _writeLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test's output is closed (the test already ended, e.g. a late server log
            // line during shutdown): there is nothing left to write to.
        }
    }
}
