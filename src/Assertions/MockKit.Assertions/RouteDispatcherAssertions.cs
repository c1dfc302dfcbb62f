using MockKit.MockServer;
using Shouldly;

namespace MockKit.Assertions;

/// <summary>Assertions on a <see cref="RouteDispatcher"/>. Each returns its subject so they chain.</summary>
public static class RouteDispatcherAssertions
{
    /// <summary>
    /// Asserts no request missed every rule. The failure message is the near-miss report of each
    /// unmatched request (<see cref="RouteDispatcher.DescribeUnmatched"/>), the same text the
    /// requests got as their 404 body and <see cref="RecordedRequest.Failure"/>.
    /// </summary>
    /// <param name="routes">The dispatcher.</param>
    /// <returns>The dispatcher.</returns>
    public static RouteDispatcher ShouldHaveNoUnmatchedRequests(this RouteDispatcher routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        if (routes.DescribeUnmatched() is { } report)
        {
            throw new ShouldAssertException(report);
        }

        return routes;
    }

    /// <summary>
    /// Asserts the server's dispatcher saw no unmatched request when it is a <see cref="RouteDispatcher"/>;
    /// passes for any other dispatcher. This is the end-of-test check of <c>MockKitTest</c>.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <returns>The server.</returns>
    public static MockWebServer ShouldHaveNoUnmatchedRequests(this MockWebServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Dispatcher is RouteDispatcher routes)
        {
            routes.ShouldHaveNoUnmatchedRequests();
        }

        return server;
    }
}
