using System.Net;

namespace MockKit.Client;

/// <summary>The operating system's resolver (<see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>).</summary>
internal sealed class SystemDns : IDns
{
    public static SystemDns Instance { get; } = new();

    public async ValueTask<IReadOnlyList<IPAddress>> LookupAsync(string host, CancellationToken ct) =>
        await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
}
