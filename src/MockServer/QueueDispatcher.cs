using System.Threading.Channels;

namespace MockKit.MockServer;

/// <summary>
/// Serves enqueued responses in order, one per request. With an empty queue a request waits
/// for the next <see cref="Enqueue"/> — or, when <see cref="FailFast"/> is set, is answered at once
/// with it. Shutting the server down releases waiting dispatches. No request gets a silent
/// special answer (no automatic <c>/favicon.ico</c> handling). Thread-safe.
/// </summary>
public class QueueDispatcher : Dispatcher
{
    private readonly Channel<MockResponse> _responses = Channel.CreateUnbounded<MockResponse>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    private volatile MockResponse? _failFast;

    /// <summary>Responses enqueued and not yet served.</summary>
    public int PendingCount => _responses.Reader.Count;

    /// <summary>
    /// When set, a request that finds the queue empty is answered at once with this response
    /// instead of waiting (the same instance every time). Null (the default) waits.
    /// </summary>
    public MockResponse? FailFast
    {
        get => _failFast;
        set => _failFast = value;
    }

    /// <summary>Appends a response to the queue.</summary>
    /// <param name="response">The response.</param>
    public void Enqueue(MockResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!_responses.Writer.TryWrite(response))
        {
            throw new InvalidOperationException("The server has shut down; its queue takes no more responses.");
        }
    }

    /// <summary>Removes every pending response.</summary>
    public void Clear()
    {
        while (_responses.Reader.TryRead(out _))
        {
        }
    }

    /// <inheritdoc />
    public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
    {
        if (_responses.Reader.TryRead(out var response))
        {
            return response;
        }

        if (_failFast is { } failFast)
        {
            return failFast;
        }

        return await _responses.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override MockResponse? Peek() =>
        _responses.Reader.TryPeek(out var response) ? response : _failFast;

    /// <inheritdoc />
    public override void Shutdown() => _responses.Writer.TryComplete();
}
