using System.Net.WebSockets;

namespace MockKit.Assertions;

/// <summary>
/// A server-side WebSocket handler that records what the client sent: every whole message (fragments
/// joined, RFC 6455 section 5.4), and the close status and description. Use <see cref="Handler"/> as
/// <c>MockResponse.WebSocketHandler</c>, then assert with <see cref="WebSocketRecorderAssertions"/>.
/// </summary>
/// <remarks>
/// With <c>echo</c> each message is sent back whole, as received. When the client closes, the recorder
/// takes its status and description <em>before</em> answering the close, so once a client's
/// <see cref="WebSocket.CloseAsync"/> returns, everything it sent is recorded. Thread-safe: the handler
/// records on the server's thread while a test reads. Use one recorder per WebSocket.
/// </remarks>
/// <example>
/// <code>
/// var recorder = new WebSocketRecorder(echo: true);
/// server.Enqueue(new MockResponse { WebSocketHandler = recorder.Handler });
/// // ... the client sends "hi" and closes ...
/// recorder.ShouldHaveReceivedMessages("hi").ShouldHaveClosedWith(WebSocketCloseStatus.NormalClosure);
/// </code>
/// </example>
public sealed class WebSocketRecorder
{
    private readonly Lock _lock = new();
    private readonly List<WebSocketRecordedMessage> _messages = []; // Guarded by _lock.
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _echo;

    /// <summary>Creates a recorder.</summary>
    /// <param name="echo">True to send each message back as received; false (the default) to only record.</param>
    public WebSocketRecorder(bool echo = false)
    {
        _echo = echo;
        Handler = RunAsync;
    }

    /// <summary>The handler to use as <c>MockResponse.WebSocketHandler</c>.</summary>
    public Func<WebSocket, CancellationToken, Task> Handler { get; }

    /// <summary>The messages received so far, in order (a snapshot).</summary>
    public IReadOnlyList<WebSocketRecordedMessage> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>The status of the client's close frame; null until one arrived.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    /// <summary>The description of the client's close frame; null until one arrived.</summary>
    public string? CloseStatusDescription { get; private set; }

    /// <summary>Why the WebSocket ended without a close frame (the connection broke, the server shut down); null otherwise.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Completes when the handler ended: the close handshake is done or the WebSocket broke.</summary>
    public Task Completion => _completion.Task;

    private async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[4096];
            using var message = new MemoryStream();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Recorded before the close is answered: the client's CloseAsync returns after this.
                    CloseStatus = result.CloseStatus;
                    CloseStatusDescription = result.CloseStatusDescription;
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var payload = message.ToArray();
                message.SetLength(0);
                lock (_lock)
                {
                    _messages.Add(new WebSocketRecordedMessage(result.MessageType, payload));
                }

                if (_echo)
                {
                    await socket.SendAsync(payload, result.MessageType, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Failure = e;
        }
        finally
        {
            _completion.TrySetResult();
        }
    }
}
