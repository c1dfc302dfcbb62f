using Microsoft.Extensions.DependencyInjection;
using MockKit.Assertions;
using MockKit.Client;
using MockKit.MockServer;

namespace MockKit.Xunit;

// The members MockKitTest has in both xunit packages, written once: this file is compiled into
// MockKit.Xunit (xunit v2) and MockKit.Xunit.V3 (xunit v3) alike (a linked <Compile> item in each
// project). Each package's MockKitTest.cs holds what differs between the two xunit versions — the
// class documentation, the constructors (which create _harness) and the IAsyncLifetime methods —
// so the two classes keep the same members, names and namespace (docs/DESIGN.md, "MockKitTest").
public abstract partial class MockKitTest
{
    private readonly MockKitTestHarness _harness;
    private MockKitTestClients? _factoryClients; // Created by the first AddMockKitClients or BuildServices.

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
}
