using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer;

/// <summary>
/// Decides the response to each recorded request. The default is a <see cref="QueueDispatcher"/>;
/// subclass this (or use <see cref="From"/>) to route by path, method or body.
/// </summary>
/// <remarks>
/// Dispatch runs on the connection that received the request, concurrently with other
/// connections, and never under a server lock: a dispatcher may itself make calls to the
/// same server while its request waits.
/// </remarks>
public abstract class Dispatcher
{
    /// <summary>Returns the response for <paramref name="request"/>.</summary>
    /// <param name="request">The recorded request (a bookkeeping entry for connection-level policies).</param>
    /// <param name="cancellationToken">Cancelled when the server shuts down.</param>
    /// <returns>The response to send.</returns>
    public abstract ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The response the next dispatch will return, if known, without consuming it. The server
    /// peeks to apply connection-level policies before a request is read (e.g.
    /// <see cref="SocketPolicy.DisconnectAtStart"/>) and request-body policies before the body is
    /// read. The default returns null: no early policy.
    /// </summary>
    /// <returns>The next response, or null.</returns>
    public virtual MockResponse? Peek() => null;

    /// <summary>Called once when the server shuts down; release anything waiting. The default does nothing.</summary>
    public virtual void Shutdown()
    {
    }

    /// <summary>A dispatcher that answers every request with <paramref name="dispatch"/>.</summary>
    /// <param name="dispatch">Maps a request to its response; called concurrently for concurrent requests.</param>
    /// <returns>The dispatcher.</returns>
    public static Dispatcher From(Func<RecordedRequest, MockResponse> dispatch)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        return new FuncDispatcher(dispatch);
    }
}
