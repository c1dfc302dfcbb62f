using System.Threading.Channels;
using MockKit.MockServer.Dispatching;

namespace MockKit.MockServer;

/// <summary>
/// Serves enqueued responses in order, one per request. With an empty queue a request waits
/// for the next <see cref="Enqueue"/> — or, when <see cref="FailFast"/> is set, is answered at once
/// with it. Shutting the server down releases waiting dispatches. No request gets a silent
/// special answer (no automatic <c>/favicon.ico</c> handling). Thread-safe.
/// </summary>
/// <remarks>
/// The server takes a request's response when the request starts (its head is read, or for
/// connection-level policies when the connection is accepted and the next response closes,
/// stalls or fails the handshake), so the early policies applied to an exchange always come
/// from the response that same exchange is given, however many requests race. An exchange that
/// ends before dispatch (e.g. the client resets the stream) puts its response back at the front.
/// A response enqueued while a request waits in dispatch is served without its early policies
/// (the request had already started). A subclass keeps the best-effort <see cref="Peek"/> meaning
/// (its <see cref="DispatchAsync"/> may be overridden, so nothing is reserved behind its back).
/// </remarks>
public class QueueDispatcher : Dispatcher
{
    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly LinkedList<MockResponse> _responses = new();

    // Guarded by _lock: dispatches waiting on an empty queue, oldest first.
    private readonly LinkedList<TaskCompletionSource<MockResponse>> _waiters = new();

    // Guarded by _lock.
    private bool _shutdown;

    private volatile MockResponse? _failFast;

    /// <summary>Responses enqueued and not yet served.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _responses.Count;
            }
        }
    }

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
        while (true)
        {
            TaskCompletionSource<MockResponse>? waiter;
            lock (_lock)
            {
                if (_shutdown)
                {
                    throw new InvalidOperationException("The server has shut down; its queue takes no more responses.");
                }

                waiter = _waiters.First?.Value;
                if (waiter is null)
                {
                    _responses.AddLast(response);
                    return;
                }

                _waiters.RemoveFirst();
            }

            // Completed outside the lock; a waiter cancelled meanwhile refuses it, so try the next.
            if (waiter.TrySetResult(response))
            {
                return;
            }
        }
    }

    /// <summary>Removes every pending response.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _responses.Clear();
        }
    }

    /// <inheritdoc />
    public override async ValueTask<MockResponse> DispatchAsync(RecordedRequest request, CancellationToken cancellationToken)
    {
        TaskCompletionSource<MockResponse> waiter;
        LinkedListNode<TaskCompletionSource<MockResponse>> node;
        lock (_lock)
        {
            if (TakeFirst() is { } response)
            {
                return response;
            }

            if (_failFast is { } failFast)
            {
                return failFast;
            }

            if (_shutdown)
            {
                throw new ChannelClosedException("The server has shut down; no response will be enqueued.");
            }

            waiter = new TaskCompletionSource<MockResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiters.AddLast(waiter);
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is not null)
                {
                    _waiters.Remove(node);
                }
            }

            waiter.TrySetCanceled(cancellationToken);
        }).ConfigureAwait(false);
        return await waiter.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override MockResponse? Peek()
    {
        lock (_lock)
        {
            return _responses.First?.Value ?? _failFast;
        }
    }

    /// <inheritdoc />
    public override void Shutdown()
    {
        List<TaskCompletionSource<MockResponse>> waiters;
        lock (_lock)
        {
            _shutdown = true;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetException(new ChannelClosedException("The server has shut down; no response will be enqueued."));
        }
    }

    /// <summary>
    /// Takes the head of the queue (or <see cref="FailFast"/> on an empty queue) atomically, so two
    /// exchanges never both see the same early policy. Only for this exact type: a subclass may
    /// override <see cref="DispatchAsync"/>, which a reserved response would bypass.
    /// </summary>
    internal override ResponseClaim? Claim(RecordedRequest? request, Func<MockResponse, bool>? wanted)
    {
        if (GetType() != typeof(QueueDispatcher))
        {
            return base.Claim(request, wanted);
        }

        lock (_lock)
        {
            var candidate = _responses.First?.Value ?? _failFast;
            if (candidate is null || (wanted is not null && !wanted(candidate)))
            {
                return null;
            }

            var fromQueue = TakeFirst() is not null;
            return new ResponseClaim(this, candidate, bound: true, reservation: fromQueue);
        }
    }

    /// <summary>
    /// The exact queue claims under its lock and runs nothing else; a subclass may override
    /// <see cref="Peek"/>, which its claim calls.
    /// </summary>
    internal override bool ClaimRunsUserCode => GetType() != typeof(QueueDispatcher);

    /// <summary>Puts a response taken by an exchange that ended before dispatch back at the front.</summary>
    internal override void Release(ResponseClaim claim)
    {
        if (!claim.Bound || claim.Reservation is not true)
        {
            return;
        }

        TaskCompletionSource<MockResponse>? waiter;
        lock (_lock)
        {
            waiter = _waiters.First?.Value;
            if (waiter is null)
            {
                _responses.AddFirst(claim.Response);
                return;
            }

            _waiters.RemoveFirst();
        }

        if (!waiter.TrySetResult(claim.Response))
        {
            lock (_lock)
            {
                _responses.AddFirst(claim.Response);
            }
        }
    }

    /// <summary>Takes the head of the queue without waiting (FailFast not consulted), or null when empty.</summary>
    internal MockResponse? TryTake()
    {
        lock (_lock)
        {
            return TakeFirst();
        }
    }

    // Guarded by _lock (called with it held).
    private MockResponse? TakeFirst()
    {
        var first = _responses.First;
        if (first is null)
        {
            return null;
        }

        _responses.RemoveFirst();
        return first.Value;
    }
}
