using System.Text;
using MockKit.MockServer;

namespace MockKit.Assertions;

/// <summary>Assertions on a <see cref="MockWebServer"/>. Each returns the server so they chain.</summary>
public static class MockWebServerAssertions
{
    /// <summary>Asserts how many requests the server received in all (CONNECTs, failures and bookkeeping entries included).</summary>
    /// <param name="server">The server.</param>
    /// <param name="count">The expected count.</param>
    /// <returns>The server.</returns>
    public static MockWebServer ShouldHaveReceived(this MockWebServer server, int count)
    {
        ArgumentNullException.ThrowIfNull(server);
        var actual = server.RequestCount;
        if (actual != count)
        {
            throw AssertionFailure.Create("server", "have received", Requests(count), Requests(actual), server.ToString());
        }

        return server;
    }

    /// <summary>
    /// Asserts no further request arrives within <paramref name="timeout"/> (requests already
    /// recorded but not taken count as further requests).
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="timeout">How long to watch.</param>
    /// <returns>The server.</returns>
    public static MockWebServer ShouldHaveNoMoreRequests(this MockWebServer server, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.TakeRequest(timeout) is { } unexpected)
        {
            throw AssertionFailure.Create("server", "have no more requests", "none", "1 more", RecordedRequestAssertions.Describe(unexpected));
        }

        return server;
    }

    /// <summary>Asserts every enqueued response was served.</summary>
    /// <param name="server">The server (its dispatcher must be a <see cref="QueueDispatcher"/>).</param>
    /// <returns>The server.</returns>
    public static MockWebServer ShouldHaveTakenAllResponses(this MockWebServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Dispatcher is not QueueDispatcher queue)
        {
            throw new InvalidOperationException($"ShouldHaveTakenAllResponses needs a QueueDispatcher; the server uses a {server.Dispatcher.GetType().Name}.");
        }

        if (queue.PendingCount != 0)
        {
            var context = new StringBuilder().Append(server).Append(" still holds:");
            if (queue.Peek() is { } next)
            {
                context.Append("\n    next: ").Append(next);
            }

            throw AssertionFailure.Create("server", "have taken all responses", "0 pending", $"{queue.PendingCount} pending", context.ToString());
        }

        return server;
    }

    private static string Requests(int count) => count == 1 ? "1 request" : $"{count} requests";
}
