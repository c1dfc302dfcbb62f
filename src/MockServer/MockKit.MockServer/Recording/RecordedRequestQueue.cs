using System.Collections.Concurrent;

namespace MockKit.MockServer.Recording;

/// <summary>
/// Recorded requests waiting to be taken by the test, in arrival order. Serves blocking and
/// async takers from one semaphore (no sync-over-async), and releases every waiter when the
/// server shuts down.
/// </summary>
internal sealed class RecordedRequestQueue : IDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _closed = new();
    private int _received;

    /// <summary>Requests recorded so far, taken or not.</summary>
    public int ReceivedCount => Volatile.Read(ref _received);

    /// <summary>True once <see cref="Close"/> was called.</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    public void Add(RecordedRequest request)
    {
        Interlocked.Increment(ref _received);
        _requests.Enqueue(request);
        _available.Release();
    }

    /// <summary>Waits up to <paramref name="timeout"/>; null on timeout or when closed and empty.</summary>
    public RecordedRequest? Take(TimeSpan timeout)
    {
        try
        {
            if (_available.Wait(timeout, _closed.Token))
            {
                return Dequeue();
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            return _available.Wait(0, CancellationToken.None) ? Dequeue() : null;
        }

        return null;
    }

    /// <summary>Waits until a request arrives; throws <see cref="InvalidOperationException"/> when closed and empty.</summary>
    public async ValueTask<RecordedRequest> TakeAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        try
        {
            await _available.WaitAsync(linked.Token).ConfigureAwait(false);
            return Dequeue();
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (_available.Wait(0, CancellationToken.None))
            {
                return Dequeue();
            }

            throw new InvalidOperationException(
                $"The server was shut down while waiting for a request; it received {ReceivedCount} and all have been taken.");
        }
    }

    /// <summary>Releases every waiter; requests already recorded can still be taken.</summary>
    public void Close() => _closed.Cancel();

    public void Dispose()
    {
        _closed.Dispose();
        _available.Dispose();
    }

    private RecordedRequest Dequeue()
    {
        var ok = _requests.TryDequeue(out var request);
        System.Diagnostics.Debug.Assert(ok, "The semaphore count tracks the queue length.");
        return request!;
    }
}
