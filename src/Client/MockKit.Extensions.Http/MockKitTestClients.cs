using Microsoft.Extensions.DependencyInjection;
using MockKit.MockServer;

namespace MockKit.Client;

/// <summary>
/// The <c>IHttpClientFactory</c> half of <c>MockKitTest</c> (the xunit v2 and v3 packages share it):
/// wires the clients of a test's service collections to its server and, when the test ends, checks
/// each client name for leaked connections, writes its events, disposes the providers it built and
/// closes the clients' pools.
/// </summary>
/// <remarks>
/// Public so that a base class for another test runner can do what MockKitTest does, as
/// <c>MockKitTestHarness</c> is; tests use MockKitTest's <c>BuildServices</c> and <c>AddMockKitClients</c>.
/// One per test. Every collection it wires shares one <see cref="ClientInstrumentationRegistry"/>
/// (registered as an instance, so the providers never dispose it): the checks reach every client
/// of every provider, also after the test disposed a provider itself.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "FinishAsync, which the test's end always runs, disposes the registry (after writing what it holds).")]
public sealed class MockKitTestClients
{
    private readonly Lock _lock = new();
    private readonly MockWebServer _server;
    private readonly ClientInstrumentationRegistry _registry = new();
    private readonly List<ServiceProvider> _providers = []; // Guarded by _lock.

    /// <summary>Creates the factory half of one test, for clients that talk to <paramref name="server"/>.</summary>
    /// <param name="server">The test's server, which every wired client is pointed at.</param>
    public MockKitTestClients(MockWebServer server)
    {
        _server = server;
    }

    /// <summary>Registers the test's registry and <c>AddMockKit(server)</c> under <c>ConfigureHttpClientDefaults</c>.</summary>
    public IServiceCollection Add(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Added, not tried: the last registration is the one resolved, so a registry an earlier
        // AddMockKit call registered gives way to the test's.
        services.AddSingleton(_registry);
        services.ConfigureHttpClientDefaults(builder => builder.AddMockKit(_server));
        return services;
    }

    /// <summary>A provider over a new collection that <paramref name="configure"/> fills, wired by <see cref="Add"/>; disposed by <see cref="FinishAsync"/>.</summary>
    public ServiceProvider Build(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var services = new ServiceCollection();
        configure(services);
        var provider = Add(services).BuildServiceProvider();
        lock (_lock)
        {
            _providers.Add(provider);
        }

        return provider;
    }

    /// <summary>Each client name's leak check, in name order; the first failure is thrown.</summary>
    public async Task CheckAsync(TimeSpan releaseTimeout, CancellationToken cancellationToken)
    {
        foreach (var client in _registry.Clients.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            await client.ShouldHaveNoLeakedConnectionsAsync(releaseTimeout, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes each client's events and diagnostics, disposes the providers built here and closes the pools.</summary>
    public async Task FinishAsync(Action<string> writeLine)
    {
        foreach (var client in _registry.Clients.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            foreach (var e in client.Events.Events)
            {
                writeLine($"client {client.Name} | call {e.CallId} {e.Name}{(e.Detail is null ? string.Empty : " " + e.Detail)}");
            }

            foreach (var diagnostic in client.Diagnostics)
            {
                writeLine($"client {client.Name} | {diagnostic}");
            }
        }

        ServiceProvider[] providers;
        lock (_lock)
        {
            providers = [.. _providers];
            _providers.Clear();
        }

        foreach (var provider in providers)
        {
            // Disposing twice is harmless: a test may have disposed its provider already.
            await provider.DisposeAsync().ConfigureAwait(false);
        }

        _registry.Dispose();
    }
}
