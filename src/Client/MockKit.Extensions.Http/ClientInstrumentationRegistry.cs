using System.Collections.Concurrent;

namespace MockKit.Client;

/// <summary>
/// The <see cref="ClientInstrumentation"/> of every client name of one service provider (a singleton
/// there). When the provider is disposed, the pools' idle connections are closed: the handlers share
/// their pool, so disposing a handler leaves it open.
/// </summary>
internal sealed class ClientInstrumentationRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, ClientInstrumentation> _clients = new(StringComparer.Ordinal);

    /// <summary>Every client name wired so far (or asked for), in no particular order.</summary>
    public IReadOnlyCollection<ClientInstrumentation> Clients => [.. _clients.Values];

    public ClientInstrumentation For(string name) => _clients.GetOrAdd(name, static n => new ClientInstrumentation(n));

    public bool TryGet(string name, out ClientInstrumentation instrumentation) => _clients.TryGetValue(name, out instrumentation!);

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Pool.EvictAll();
        }
    }
}
