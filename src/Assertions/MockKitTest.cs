using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;
using Xunit;
using Xunit.Abstractions;

namespace MockKit.Assertions;

/// <summary>
/// An xunit base class that gives each test a started <see cref="MockWebServer"/>, an
/// <see cref="InstrumentedHandler"/> and an <see cref="HttpClient"/> wired to it, writes the
/// server's traffic and the client's call events to the test output, and when the test ends:
/// fails it if a <see cref="RouteDispatcher"/> saw an unmatched request (with its near-miss report),
/// if a connection is still allocated (a response was not disposed) or if enqueued
/// responses were never requested, and always shuts the server down without hanging.
/// </summary>
/// <remarks>
/// One instance per test (xunit creates a new class instance per test), nothing static but the
/// shared <see cref="HandshakeCertificates.Localhost"/>, so tests using it run in parallel freely.
/// </remarks>
/// <example>
/// <code>
/// public sealed class UsersTests(ITestOutputHelper output) : MockKitTest(output)
/// {
///     [Fact]
///     public async Task Gets_a_user()
///     {
///         Server.Enqueue(new MockResponse("{}"));
///         using var response = await Client.GetAsync(Server.Url("/users/1"));
///         await response.ShouldHaveStatus(200).ShouldHaveBodyAsync("{}");
///     }
/// }
/// </code>
/// </example>
public abstract class MockKitTest : IAsyncLifetime
{
    private readonly ITestOutputHelper _output;
    private bool _initialized;

    /// <summary>Creates the fixture for one test.</summary>
    /// <param name="output">The test's output, for the traffic log and events.</param>
    /// <param name="transport">How server and client talk; cleartext HTTP/1.1 by default.</param>
    protected MockKitTest(ITestOutputHelper output, MockKitTransport transport = MockKitTransport.Http11)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        Transport = transport;
        Events = new RecordingEventListener();
        Server = new MockWebServer { TrafficLog = line => _output.WriteLine($"server | {line}") };
        var certificates = transport is MockKitTransport.Https or MockKitTransport.Http2 ? HandshakeCertificates.Localhost() : null;
        Handler = new InstrumentedHandler { EventListener = Events };
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

    /// <summary>How this test's server and client talk.</summary>
    protected MockKitTransport Transport { get; }

    /// <summary>The test's server; started before the test body runs.</summary>
    protected MockWebServer Server { get; }

    /// <summary>The test's instrumented handler (its <see cref="InstrumentedHandler.Pool"/> is what the leak check inspects).</summary>
    protected InstrumentedHandler Handler { get; }

    /// <summary>An <see cref="HttpClient"/> over <see cref="Handler"/>.</summary>
    protected HttpClient Client { get; }

    /// <summary>Every call event of <see cref="Handler"/>, in order.</summary>
    protected RecordingEventListener Events { get; }

    /// <summary>Set to true in a test that enqueues responses it does not expect to be requested.</summary>
    protected bool AllowUnusedResponses { get; set; }

    /// <summary>How long the end-of-test check waits for connections to be released; 2 seconds by default.</summary>
    protected TimeSpan ReleaseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public virtual Task InitializeAsync()
    {
        _initialized = true;
        return Server.StartAsync();
    }

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        Exception? failure = null;
        try
        {
            if (_initialized)
            {
                Server.ShouldHaveNoUnmatchedRequests();
                CheckNoConnectionAllocated();
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
            Client.Dispose();
            Handler.Pool.EvictAll();
            Handler.Dispose();
            await Server.ShutdownAsync().ConfigureAwait(false);
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private void CheckNoConnectionAllocated()
    {
        var pool = Handler.Pool;
        if (SpinWait.SpinUntil(() => pool.Connections.All(c => c.ActiveStreams == 0), ReleaseTimeout))
        {
            return;
        }

        var allocated = pool.Connections.Count(c => c.ActiveStreams > 0);
        throw AssertionFailure.Create(
            "pool",
            "have no allocated connections when the test ends (was every response disposed?)",
            "0 allocated",
            $"{allocated} allocated",
            ConnectionPoolAssertions.Describe(pool));
    }

    private void WriteEvents()
    {
        try
        {
            foreach (var e in Events.Events)
            {
                _output.WriteLine($"client | call {e.CallId} {e.Name}{(e.Detail is null ? string.Empty : " " + e.Detail)}");
            }
        }
        catch (InvalidOperationException)
        {
            // The output is closed (the test already ended); nothing to write to.
        }
    }
}
