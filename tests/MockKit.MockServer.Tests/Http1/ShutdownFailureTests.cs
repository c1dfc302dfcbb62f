using MockKit.MockServer.Tests.Support;

namespace MockKit.MockServer.Tests.Http1;

/// <summary>
/// Shutdown is complete whatever user code does: a <see cref="Dispatcher.Shutdown"/> or a
/// cancellation callback that throws still gets every socket closed and the listener released,
/// and the user's exception is reported once, after everything is closed.
/// </summary>
public sealed class ShutdownFailureTests
{
    [Fact]
    public async Task A_dispatcher_whose_shutdown_throws_still_gets_every_socket_closed_and_the_error_reported_once()
    {
        var server = new MockWebServer { Dispatcher = new ThrowingDispatcher(throwOnShutdown: true) };
        await using var raw = await OpenWithRequestAsync(server);

        var e = await Should.ThrowAsync<InvalidOperationException>(server.ShutdownAsync());
        e.InnerException.ShouldBeOfType<NotSupportedException>().Message.ShouldBe("user Shutdown failed");

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        server.IsListenerClosed.ShouldBeTrue();
        server.IsRunning.ShouldBeFalse();

        // Reported once: a later dispose (await using, a fixture) completes quietly.
        await server.ShutdownAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_cancellation_callback_that_throws_still_gets_every_socket_closed()
    {
        var dispatcher = new ThrowingDispatcher(throwOnShutdown: false);
        var server = new MockWebServer { Dispatcher = dispatcher };
        await using var raw = await OpenWithRequestAsync(server);

        // The request is recorded before it is dispatched: shut down only once the dispatcher has
        // registered its callback, or the callback would run (and throw) inside the dispatch.
        await dispatcher.Registered.WaitAsync(TimeSpan.FromSeconds(30));
        var e = await Should.ThrowAsync<InvalidOperationException>(server.ShutdownAsync());
        e.ToString().ShouldContain("user callback failed");

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        server.IsListenerClosed.ShouldBeTrue();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_closes_everything_whatever_the_dispatcher_throws()
    {
        var server = new MockWebServer { Dispatcher = new ThrowingDispatcher(throwOnShutdown: true) };
        await using var raw = await OpenWithRequestAsync(server);

        server.Dispose();

        (await raw.IsClosedByPeerAsync()).ShouldBeTrue();
        server.IsListenerClosed.ShouldBeTrue();
        await server.DisposeAsync(); // The error went to the log of the first, quiet, shutdown.
    }

    private static async Task<RawConnection> OpenWithRequestAsync(MockWebServer server)
    {
        var raw = await RawConnection.OpenAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        server.TakeRequest().Method.ShouldBe("GET");
        return raw;
    }


    /// <summary>User code that misbehaves at shutdown: its Shutdown throws, or its dispatch registers a throwing callback.</summary>
    private sealed class ThrowingDispatcher(bool throwOnShutdown) : Dispatcher
    {
        private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes once a dispatch registered its throwing cancellation callback.</summary>
        public Task Registered => _registered.Task;

        public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
        {
            if (!throwOnShutdown)
            {
                cancellationToken.Register(static () => throw new NotSupportedException("user callback failed"));
                _registered.TrySetResult();
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new MockResponse();
        }

        public override void Shutdown()
        {
            if (throwOnShutdown)
            {
                throw new NotSupportedException("user Shutdown failed");
            }
        }
    }
}
