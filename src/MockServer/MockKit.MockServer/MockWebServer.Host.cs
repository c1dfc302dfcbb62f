using MockKit.MockServer.Exchanges;

namespace MockKit.MockServer;

/// <summary>The hook a hosting program (the standalone <c>mockkit</c> server) serves its own paths through.</summary>
public sealed partial class MockWebServer
{
    private HostEndpoint? _hostEndpoint;

    /// <summary>
    /// Requests under this endpoint's path are served by the host and bypass claim, record and
    /// dispatch (see <see cref="Exchanges.HostEndpoint"/>). Null (the default): every request is the
    /// server's. Frozen at start.
    /// </summary>
    internal HostEndpoint? HostEndpoint
    {
        get => _hostEndpoint;
        set
        {
            ThrowIfStarted();
            _hostEndpoint = value;
        }
    }
}
