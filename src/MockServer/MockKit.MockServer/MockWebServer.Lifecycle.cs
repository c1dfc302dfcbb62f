using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MockKit.MockServer.Connections;

namespace MockKit.MockServer;

/// <summary>Start, the accept loop, and bounded, self-diagnosing shutdown.</summary>
public sealed partial class MockWebServer
{
    // How long shutdown lets HTTP/2 writers send their GOAWAY before sockets are aborted.
    private static readonly TimeSpan GracefulShutdownTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Binds and starts accepting. A server can be started once.</summary>
    /// <param name="port">The port; 0 (the default) picks a free ephemeral port.</param>
    /// <exception cref="InvalidOperationException">Already started, or shut down.</exception>
    public void Start(int port = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        lock (_lock)
        {
            if (_listener is not null || _shutdownTask is not null)
            {
                throw new InvalidOperationException("A MockWebServer can be started once; this one already was.");
            }

            StartUnderLock(port);
        }

        Log($"listening on {_authority}");
    }

    /// <summary>Binds and starts accepting (binding is immediate; this exists for async call sites).</summary>
    /// <param name="port">The port; 0 (the default) picks a free ephemeral port.</param>
    /// <param name="cancellationToken">Checked before binding.</param>
    /// <returns>A completed task once listening.</returns>
    public Task StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Start(port);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting, closes every connection, releases waiting dispatches and takers, and waits
    /// (at most <see cref="ShutdownTimeout"/>, in real time whatever <see cref="TimeProvider"/> is)
    /// for connection tasks. Safe to call more than once and from several threads.
    /// </summary>
    /// <remarks>
    /// Shutdown is complete whatever user code does: if <see cref="Dispatcher.Shutdown"/> or a
    /// callback registered on a dispatch's cancellation token throws, every socket is still closed
    /// and the listener released before the returned task faults. A failure is reported once: to
    /// the first caller (the task <see cref="ShutdownAsync"/>, <see cref="DisposeAsync"/> or, in the
    /// log, <see cref="Dispose"/> started); later calls complete quietly once shutdown is done.
    /// </remarks>
    /// <returns>A task that completes when everything has stopped.</returns>
    /// <exception cref="TimeoutException">Some connection did not stop in time; the message lists them.</exception>
    /// <exception cref="InvalidOperationException">User code threw during shutdown (the exception is the
    /// inner one; several, or one plus a timeout, arrive as an <see cref="AggregateException"/>). Everything
    /// was closed first.</exception>
    public Task ShutdownAsync()
    {
        TaskCompletionSource shutdown;
        lock (_lock)
        {
            if (_shutdownTask is { } started)
            {
                return WaitQuietlyAsync(started);
            }

            shutdown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _shutdownTask = shutdown.Task;
        }

        // Started after the lock is released: shutdown runs user code (Dispatcher.Shutdown,
        // cancellation callbacks), and user code never runs under our lock. The sockets still
        // close synchronously within this call when nothing needs awaiting first.
        _ = RunShutdownAsync(shutdown); // Fire-and-forget: it never throws; its outcome goes to the returned task.
        return shutdown.Task;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    /// <summary>
    /// Shuts down without waiting: closes the listener and every socket and releases waiters
    /// at once. Connection tasks finish in the background; use <see cref="DisposeAsync"/> to wait.
    /// </summary>
    public void Dispose() => _ = ShutdownQuietlyAsync(); // Fire-and-forget by design: Dispose cannot await; closing the sockets happens synchronously inside, and a slow shutdown is logged, not thrown unobserved.

    /// <inheritdoc />
    public override string ToString() => _listener is null ? "MockWebServer (not started)" : $"MockWebServer {Authority}";

    internal void OnConnectionClosed(ServerConnection connection)
    {
        _connections.TryRemove(connection, out _);
        ObserveClosed(connection);
        Log(connection.Index, $"closed");
    }

    /// <summary>ShutdownServerAfterResponse: start shutting down without waiting (the caller is a connection it waits for).</summary>
    internal void ShutdownFromPolicy() => _ = ShutdownQuietlyAsync(); // Fire-and-forget: awaiting would wait on the calling connection itself.

    private async Task RunShutdownAsync(TaskCompletionSource shutdown)
    {
        try
        {
            await ShutdownCoreAsync().ConfigureAwait(false);
            shutdown.SetResult();
        }
        catch (Exception e)
        {
            shutdown.SetException(e);
        }
    }

    private static async Task WaitQuietlyAsync(Task shutdown) =>
        await shutdown.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    private async Task ShutdownQuietlyAsync()
    {
        try
        {
            await ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Dispose cannot throw from here: whatever went wrong (a timeout, user code that threw)
            // goes to the log; everything was closed before the task faulted.
            Log(e.ToString());
        }
    }

    /// <summary>
    /// Every step runs whatever an earlier one threw: user code (the dispatcher's Shutdown, callbacks
    /// on the cancellation token) is collected and reported after the sockets are closed, the
    /// listener released and the recorded queue closed.
    /// </summary>
    private async Task ShutdownCoreAsync()
    {
        Task? acceptLoop;
        lock (_lock)
        {
            acceptLoop = _acceptLoop;
        }

        List<Exception> userErrors = [];
        var cancelled = _shutdown.CancelAsync();
        try
        {
            await cancelled.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // CancelAsync runs every callback, then reports all that threw.
            userErrors.AddRange(cancelled.Exception?.InnerExceptions ?? [e]);
        }

        _listener?.Dispose();
        try
        {
            _dispatcher.Shutdown();
        }
        catch (Exception e)
        {
            userErrors.Add(e);
        }

        TimeoutException? timeout = null;
        try
        {
            // HTTP/2 connections queued a GOAWAY when the token was cancelled; give their writers a
            // moment to send it (RFC 9113 section 6.8), then abort every socket whatever happened.
            var goodbyes = _connections.Keys.Select(StartGoodbye).ToArray();
            await Task.WhenAll(goodbyes).WaitAsync(GracefulShutdownTimeout, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            foreach (var connection in _connections.Keys)
            {
                connection.Abort();
            }
        }

        var pending = _connections.Values.Append(acceptLoop ?? Task.CompletedTask).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(ShutdownTimeout, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (pending.Any(t => !t.IsCompleted))
            {
                var stuck = string.Join("; ", _connections.Keys.Select(c => c.ToString()));
                timeout = new TimeoutException($"MockWebServer shutdown: connections still running after {ShutdownTimeout.TotalSeconds:0.#} s: {stuck}");
            }
        }
        finally
        {
            _recorded.Close();
            Log("shut down");
            DisposeMetrics();
        }

        if (userErrors.Count > 0)
        {
            var messages = string.Join("; ", userErrors.Select(e => $"{e.GetType().Name}: {e.Message}"));
            Exception inner = userErrors.Count == 1 && timeout is null
                ? userErrors[0]
                : new AggregateException(timeout is null ? userErrors : [.. userErrors, timeout]);
            throw new InvalidOperationException(
                $"MockWebServer shut down (every socket closed), but user code threw during shutdown: {messages}{(timeout is null ? string.Empty : "; " + timeout.Message)}", inner);
        }

        if (timeout is not null)
        {
            throw timeout;
        }
    }

    /// <summary>The connection's GOAWAY flush, or a completed task when it has none or starting it failed.</summary>
    private Task StartGoodbye(ServerConnection connection)
    {
        try
        {
            return connection.GracefulShutdown?.Invoke() ?? Task.CompletedTask;
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            Log(connection.Index, $"GOAWAY not sent: {e.Message}");
            return Task.CompletedTask;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        // Yield so Start returns before the first accept completes inline.
        await Task.Yield();
        var backOff = new AcceptBackOff();
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await AcceptSocket(listener, _shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && _shutdown.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException e) when (AcceptBackOff.IsResourceExhaustion(e.SocketErrorCode))
            {
                // EMFILE/ENFILE/ENOBUFS: the pending connection stays in the backlog and the next
                // accept fails the same way at once, so retrying without a pause spins a core.
                // Wait, doubling the pause up to a cap, and log once per burst, not per failure.
                var (delay, firstOfBurst) = backOff.OnFailure();
                if (firstOfBurst)
                {
                    Log($"accept failed: {e.SocketErrorCode}; backing off (up to {AcceptBackOff.MaxDelay.TotalSeconds:0.#} s between attempts) until it succeeds");
                }

                try
                {
                    await Task.Delay(delay, TimeProvider, _shutdown.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }
            catch (SocketException e)
            {
                // A connection reset before accept completed: nothing is left in the backlog for it; keep accepting.
                Log($"accept failed: {e.SocketErrorCode}");
                continue;
            }

            if (backOff.OnSuccess() is { } failures)
            {
                Log($"accept recovered after {failures} failed attempt(s)");
            }

            socket.NoDelay = true;
            var connection = new ServerConnection(this, socket, Interlocked.Increment(ref _connectionCount) - 1);
            OnConnectionAccepted(connection);

            // Register before the connection can run, so its own removal (when it ends) can
            // never come before its registration and leave a finished entry behind.
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection] = RunWhenRegisteredAsync(connection, registered.Task);
            registered.SetResult();
            if (_shutdown.IsCancellationRequested)
            {
                // Shutdown raced with this accept and may have missed it in its Abort sweep.
                connection.Abort();
            }
        }
    }

    private static async Task RunWhenRegisteredAsync(ServerConnection connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        await connection.RunAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the server on first use of its address. The check and the start happen under one
    /// lock hold: two threads that both find the server unstarted must not both try to start it
    /// (the loser would throw "can be started once"). After shutdown the address stays readable.
    /// </summary>
    private void EnsureStarted()
    {
        lock (_lock)
        {
            if (_authority is not null)
            {
                return;
            }

            if (_shutdownTask is not null)
            {
                throw new InvalidOperationException("The server has shut down.");
            }

            StartUnderLock(0);
        }

        Log($"listening on {_authority}");
    }

    /// <summary>Binds, listens and starts the accept loop. Called with <c>_lock</c> held (no I/O beyond the bind itself, which is immediate).</summary>
    private void StartUnderLock(int port)
    {
        ValidateConfiguration();
        var listener = new Socket(ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(ListenAddress, port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;

        // Kept apart from the socket so Port, HostName and Url stay readable after shutdown
        // disposed the listener (a failure message that prints the URL must not throw instead).
        _port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var boundPort = _port.ToString(CultureInfo.InvariantCulture);
        _authority = ListenAddress.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{ListenAddress}]:{boundPort}"
            : $"{ListenAddress}:{boundPort}";
        _acceptLoop = AcceptLoopAsync(listener);
    }

    /// <summary>
    /// What the error for a setting changed after start tells the reader to do instead, for an owner
    /// that starts the server before the user's code runs (a test base class or fixture such as
    /// MockKitTest): e.g. "choose the transport in the test class's constructor". Null (the default)
    /// for a server the user starts, whose error says to set it before starting.
    /// </summary>
    public string? FrozenSettingRemedy { get; init; }

    private void ThrowIfStarted([CallerMemberName] string setting = "")
    {
        lock (_lock)
        {
            if (_listener is not null || _shutdownTask is not null)
            {
                throw new InvalidOperationException(
                    $"MockWebServer.{setting} is frozen once the server has started, and this server has started. "
                    + (FrozenSettingRemedy ?? "Set it before StartAsync (or Start), or use a new MockWebServer."));
            }
        }
    }
}
