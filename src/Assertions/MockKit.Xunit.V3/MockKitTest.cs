using Microsoft.Extensions.DependencyInjection;
using MockKit.Assertions;
using MockKit.Client;
using MockKit.MockServer;
using MockKit.Tls;
using Xunit;

namespace MockKit.Xunit;

/// <summary>
/// An xunit v3 base class that gives each test a started <see cref="MockWebServer"/>, an
/// <see cref="InstrumentedHandler"/> and an <see cref="HttpClient"/> wired to it, writes the
/// server's traffic and the client's call events to the test output, and when the test ends:
/// fails it if a <see cref="MockKit.MockServer.RouteDispatcher"/> saw an unmatched request (with its near-miss report),
/// if a connection is still allocated (a response was not disposed) or if enqueued
/// responses were never requested, and always shuts the server down without hanging.
/// </summary>
/// <remarks>
/// One instance per test (xunit creates a new class instance per test), nothing static but the
/// shared <see cref="HandshakeCertificates.Localhost"/>, so tests using it run in parallel freely.
/// The xunit v2 package (<c>MockKit.Xunit</c>) defines the same class with the same members;
/// this one adds a constructor that writes to <see cref="TestContext.Current"/> and cancels its
/// waits with the test's <see cref="ITestContext.CancellationToken"/>.
/// </remarks>
/// <example>
/// <code>
/// public sealed class UsersTests() : MockKitTest()
/// {
///     [Fact]
///     public async Task Gets_a_user()
///     {
///         Server.Enqueue(new MockResponse("{}"));
///         using var response = await Client.GetAsync(Server.Url("/users/1"), TestContext.Current.CancellationToken);
///         await response.ShouldHaveStatus(200).ShouldHaveBodyAsync("{}");
///     }
/// }
/// </code>
/// </example>
public abstract class MockKitTest : IAsyncLifetime
{
    private readonly MockKitTestHarness _harness;
    private MockKitTestClients? _factoryClients; // Created by the first AddMockKitClients or BuildServices.

    /// <summary>Creates the fixture for one test, writing to the given output.</summary>
    /// <param name="output">The test's output, for the traffic log and events.</param>
    /// <param name="transport">How server and client talk; cleartext HTTP/1.1 by default.</param>
    protected MockKitTest(ITestOutputHelper output, MockKitTransport transport = MockKitTransport.Http11)
    {
        ArgumentNullException.ThrowIfNull(output);
        _harness = new MockKitTestHarness(output.WriteLine, transport);
    }

    /// <summary>
    /// Creates the fixture for one test, writing to the output of the test that is running when
    /// it is constructed (<see cref="TestContext.Current"/>); lines are dropped when there is none.
    /// </summary>
    /// <param name="transport">How server and client talk; cleartext HTTP/1.1 by default.</param>
    protected MockKitTest(MockKitTransport transport = MockKitTransport.Http11)
    {
        // Captured now rather than looked up per line: server log lines are written from the
        // server's connection tasks, which need not carry the test's context.
        var output = TestContext.Current.TestOutputHelper;
        _harness = new MockKitTestHarness(line => output?.WriteLine(line), transport);
    }

    private MockKitTestClients FactoryClients
    {
        get
        {
            if (_factoryClients is null)
            {
                var clients = new MockKitTestClients(_harness.Server);
                _harness.AddCheck(cancellationToken => clients.CheckAsync(_harness.ReleaseTimeout, cancellationToken), () => clients.FinishAsync(_harness.WriteLine));
                _factoryClients = clients;
            }

            return _factoryClients;
        }
    }

    /// <summary>How this test's server and client talk.</summary>
    protected MockKitTransport Transport => _harness.Transport;

    /// <summary>The test's server; started before the test body runs.</summary>
    protected MockWebServer Server => _harness.Server;

    /// <summary>The test's instrumented handler (its <see cref="InstrumentedHandler.Pool"/> is what the leak check inspects).</summary>
    protected InstrumentedHandler Handler => _harness.Handler;

    /// <summary>
    /// An <see cref="HttpClient"/> over <see cref="Handler"/> whose <see cref="HttpClient.BaseAddress"/> is
    /// <c>Server.Url("/")</c> (set when the server starts), so relative URIs such as <c>"users/7"</c>
    /// and a typed client built on it reach <see cref="Server"/>.
    /// </summary>
    protected HttpClient Client => _harness.Client;

    /// <summary>Every call event of <see cref="Handler"/>, in order.</summary>
    protected RecordingEventListener Events => _harness.Events;

    /// <summary>Set to true in a test that enqueues responses it does not expect to be requested; false by default.</summary>
    protected bool AllowUnusedResponses
    {
        get => _harness.AllowUnusedResponses;
        set => _harness.AllowUnusedResponses = value;
    }

    /// <summary>
    /// Set to true in a test that sends requests no route is meant to match (a deliberate near miss
    /// against a <see cref="RouteDispatcher"/>, asserted on with its near-miss report); false by default,
    /// when such a request fails the test at its end.
    /// </summary>
    protected bool AllowUnmatchedRequests
    {
        get => _harness.AllowUnmatchedRequests;
        set => _harness.AllowUnmatchedRequests = value;
    }

    /// <summary>How long the end-of-test check waits for connections to be released; 2 seconds by default.</summary>
    protected TimeSpan ReleaseTimeout
    {
        get => _harness.ReleaseTimeout;
        set => _harness.ReleaseTimeout = value;
    }

    /// <summary>
    /// Wires every <c>IHttpClientFactory</c> client of <paramref name="services"/> to <see cref="Server"/>
    /// (<c>AddMockKit(Server)</c> under <c>ConfigureHttpClientDefaults</c>: a named, typed or Refit client keeps
    /// its own handlers, such as a resilience pipeline, around an <see cref="InstrumentedHandler"/> for the server),
    /// and adds each client name to the end-of-test checks: a response of a factory client that was never
    /// disposed fails the test as one of <see cref="Client"/>'s does, naming the client, and each client's
    /// call events are written to the test output.
    /// </summary>
    /// <param name="services">The application's service collection, e.g. the one a test host builds.</param>
    /// <returns><paramref name="services"/>, to chain.</returns>
    /// <remarks>A provider built from <paramref name="services"/> is the test's to dispose (see
    /// <see cref="BuildServices"/> for one the fixture disposes); <c>provider.GetMockKit&lt;TClient&gt;()</c>
    /// gives a client's pool and events.</remarks>
    protected IServiceCollection AddMockKitClients(IServiceCollection services) => FactoryClients.Add(services);

    /// <summary>
    /// Builds a service provider from a new collection that <paramref name="configureServices"/> fills with the
    /// application's registrations, its <c>IHttpClientFactory</c> clients wired to <see cref="Server"/> and checked
    /// when the test ends, as <see cref="AddMockKitClients"/> does. The provider is disposed when the test ends
    /// (after the checks), so a test need not dispose it.
    /// </summary>
    /// <param name="configureServices">Adds the application's services and clients.</param>
    /// <returns>The provider.</returns>
    /// <example>
    /// <code>
    /// var services = BuildServices(s => s.AddHttpClient&lt;UsersClient&gt;().AddStandardResilienceHandler());
    /// var user = await services.GetRequiredService&lt;UsersClient&gt;().GetAsync(7);
    /// </code>
    /// </example>
    protected ServiceProvider BuildServices(Action<IServiceCollection> configureServices) => FactoryClients.Build(configureServices);

    /// <summary>Starts <see cref="Server"/>; xunit calls it before the test body.</summary>
    /// <returns>A task that completes when the server listens; cancelled with the test.</returns>
    public virtual ValueTask InitializeAsync() => new(_harness.StartAsync(TestContext.Current.CancellationToken));

    /// <summary>
    /// Runs the end-of-test checks (no allocated connection, no unused response), writes the
    /// call events, releases the client and shuts the server down; xunit calls it after the test body.
    /// The wait for connections to be released ends early when the test run is cancelled; the
    /// cleanup still runs.
    /// </summary>
    /// <returns>A task that fails with the first failed check, after cleaning up.</returns>
    public virtual async ValueTask DisposeAsync()
    {
        // When the test body already failed, its failure is the one to read: the checks' own failures
        // (often caused by it, such as a response the failed call never took) go to the output only.
        var testFailed = TestContext.Current.TestState?.Result == TestResult.Failed;
        await _harness.FinishAsync(testFailed, TestContext.Current.CancellationToken).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
