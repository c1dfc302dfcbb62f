using System.Net;

namespace MockKit.Tool;

/// <summary>The options of <c>mockkit serve</c>, parsed and checked against each other (<see cref="Validate"/>).</summary>
internal sealed record ServeSettings
{
    public int Port { get; init; }

    /// <summary>The <c>--host</c> text; <see cref="Host"/> once it parsed.</summary>
    public string HostText { get; init; } = "127.0.0.1";

    /// <summary>The address to bind (valid after <see cref="Validate"/> returned null).</summary>
    public IPAddress Host => IPAddress.TryParse(HostText, out var address) ? address : IPAddress.Loopback;

    public bool Https { get; init; }

    public string? CaOut { get; init; }

    public bool H2c { get; init; }

    public IReadOnlyList<string> Stubs { get; init; } = [];

    public string? Replay { get; init; }

    /// <summary>The <c>--forward</c> text; <see cref="Forward"/> once it parsed.</summary>
    public string? ForwardText { get; init; }

    /// <summary>The upstream base URL, or null.</summary>
    public Uri? Forward => ForwardText is not null && Uri.TryCreate(ForwardText, UriKind.Absolute, out var url) ? url : null;

    public string? RecordTo { get; init; }

    public string? AdminToken { get; init; }

    public LogFormat LogFormat { get; init; }

    /// <summary>Largest admin request body; larger ones get 413.</summary>
    public long AdminBodyLimit { get; init; } = 1024 * 1024;

    /// <summary>What is wrong with the combination of options, or null.</summary>
    public string? Validate()
    {
        if (Port is < 0 or > IPEndPoint.MaxPort)
        {
            return $"--port {Port} is not a port (0 to {IPEndPoint.MaxPort}; 0 picks a free one).";
        }

        if (!IPAddress.TryParse(HostText, out _))
        {
            return $"--host {HostText} is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1).";
        }

        if (Https && H2c)
        {
            return "--https and --h2c exclude each other: --https serves HTTP/2 through ALPN already; --h2c is cleartext HTTP/2 (prior knowledge).";
        }

        if (CaOut is not null && !Https)
        {
            return "--ca-out writes the root of the --https certificate; add --https.";
        }

        if (RecordTo is not null && ForwardText is null)
        {
            return "--record-to saves what --forward records; add --forward URL.";
        }

        if (ForwardText is not null && (Stubs.Count > 0 || Replay is not null))
        {
            return "--forward sends every request to the upstream; it cannot be combined with --stubs or --replay.";
        }

        if (ForwardText is not null && (Forward is not { } upstream || (upstream.Scheme != Uri.UriSchemeHttp && upstream.Scheme != Uri.UriSchemeHttps)))
        {
            return $"--forward {ForwardText} is not an absolute http or https URL.";
        }

        if (AdminToken is { Length: 0 })
        {
            return "--admin-token is empty.";
        }

        return null;
    }
}
