namespace MockKit.MockServer;

/// <summary>The hook a hosting program (such as the standalone <c>mockkit</c> server) serves its own paths through.</summary>
public sealed partial class MockWebServer
{
    private HostEndpoint? _hostEndpoint;

    /// <summary>
    /// Paths the hosting program serves itself: requests under the endpoint's
    /// <see cref="MockServer.HostEndpoint.PathPrefix"/> are answered by it and bypass claim, record and
    /// dispatch (see <see cref="MockServer.HostEndpoint"/>). Null (the default): every request is the
    /// server's. Frozen at start.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after the server started.</exception>
    public HostEndpoint? HostEndpoint
    {
        get => _hostEndpoint;
        set
        {
            ThrowIfStarted();
            _hostEndpoint = value;
        }
    }
}
