using System.Net;

namespace MockKit.Client.Tests.Support;

/// <summary>Resolves every host to a fixed list of addresses (e.g. loopback twice, for two routes).</summary>
internal sealed class StaticDns(params IPAddress[] addresses) : IDns
{
    public int Lookups { get; private set; }

    public ValueTask<IReadOnlyList<IPAddress>> LookupAsync(string host, CancellationToken ct)
    {
        Lookups++;
        return ValueTask.FromResult<IReadOnlyList<IPAddress>>(addresses);
    }
}
