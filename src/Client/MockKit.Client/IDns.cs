using System.Net;

namespace MockKit.Client;

/// <summary>
/// Resolves host names to IP addresses for <see cref="InstrumentedHandler"/>. Each address
/// becomes one route, tried in the order returned. IP literals never reach the resolver.
/// Implementations must be thread-safe.
/// </summary>
public interface IDns
{
    /// <summary>Resolves <paramref name="host"/>.</summary>
    /// <param name="host">A host name (never an IP literal).</param>
    /// <param name="ct">Cancels the lookup.</param>
    /// <returns>At least one address; an empty list fails the call with a name-resolution error.</returns>
    ValueTask<IReadOnlyList<IPAddress>> LookupAsync(string host, CancellationToken ct);
}
