using System.Diagnostics;

namespace MockKit.Client.Connections;

/// <summary>
/// The received, not yet consumed DATA of one HTTP/2 response: the connection's reader loop
/// appends (copies of frame payloads), the application reads. Flow control bounds its size: the
/// peer can only send what the stream window allows, and window credit is returned only as the
/// application consumes (see <see cref="Http2ResponseStream"/>).
/// </summary>
/// <remarks>
/// Lock discipline: <c>_lock</c> guards the segments, the end/failure state and the waiter; the
/// waiter's task is completed after the lock is released (RunContinuationsAsynchronously, so the
/// reader loop never runs the application's continuation). One application reader at a time.
/// </remarks>
internal sealed class Http2ReceiveBuffer
{
    private readonly Lock _lock = new();
    private readonly Queue<byte[]> _segments = new(); // Guarded by _lock.
    private int _offset;                               // Guarded by _lock: read position in the first segment.
    private bool _ended;                               // Guarded by _lock.
    private Exception? _failure;                       // Guarded by _lock.
    private TaskCompletionSource? _waiter;             // Guarded by _lock.

    /// <summary>Bytes buffered and not yet read.</summary>
    public int Buffered
    {
        get
        {
            lock (_lock)
            {
                var total = -_offset;
                foreach (var segment in _segments)
                {
                    total += segment.Length;
                }

                return total;
            }
        }
    }

    /// <summary>True once END_STREAM arrived and every byte was read.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_lock)
            {
                return _ended && _segments.Count == 0;
            }
        }
    }

    /// <summary>True once END_STREAM arrived (bytes may still be buffered).</summary>
    public bool HasEnded
    {
        get
        {
            lock (_lock)
            {
                return _ended;
            }
        }
    }

    /// <summary>
    /// Drops what is buffered of a body whose END_STREAM arrived: the body is complete, only unread
    /// (a response disposed without reading it). Later reads see the end of the body.
    /// </summary>
    /// <returns>The bytes dropped (to count and to return to the connection window); -1 when the body has not ended or failed.</returns>
    public int DrainEnded()
    {
        lock (_lock)
        {
            if (!_ended || _failure is not null)
            {
                return -1;
            }

            var dropped = -_offset;
            foreach (var segment in _segments)
            {
                dropped += segment.Length;
            }

            _segments.Clear();
            _offset = 0;
            return dropped;
        }
    }

    /// <summary>Appends a copy of received data (reader loop).</summary>
    /// <returns>False when the body already failed (abandoned concurrently): the bytes were dropped and the caller credits them.</returns>
    public bool Append(byte[] data)
    {
        Debug.Assert(data.Length > 0);
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_ended || _failure is not null)
            {
                return false;
            }

            _segments.Enqueue(data);
            wake = _waiter;
            _waiter = null;
        }

        wake?.TrySetResult();
        return true;
    }

    /// <summary>Marks the end of the body (END_STREAM).</summary>
    public void End() => Finish(null);

    /// <summary>
    /// Fails pending and future reads (reset, connection loss, a body disposed unread). Buffered data
    /// is dropped, also after END_STREAM: a complete body that nobody reads still holds connection
    /// window (RFC 9113 section 6.9) and must give it back.
    /// </summary>
    /// <returns>The bytes that were buffered and are now dropped (to return to the connection window); counted once.</returns>
    public int Fail(Exception failure)
    {
        var dropped = 0;
        lock (_lock)
        {
            if (_failure is null)
            {
                dropped = -_offset;
                foreach (var segment in _segments)
                {
                    dropped += segment.Length;
                }

                _segments.Clear();
                _offset = 0;
                if (_ended && dropped > 0)
                {
                    // A complete body lost unread bytes: a later read must fail, not see a clean end.
                    _failure = failure;
                }
            }
        }

        Finish(failure);
        return dropped;
    }

    /// <summary>Copies buffered bytes into <paramref name="destination"/>, waiting while there are none.</summary>
    /// <returns>The bytes copied; 0 at the end of the body.</returns>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_segments.Count > 0)
                {
                    var copied = 0;
                    while (copied < destination.Length && _segments.TryPeek(out var segment))
                    {
                        var n = Math.Min(segment.Length - _offset, destination.Length - copied);
                        segment.AsSpan(_offset, n).CopyTo(destination.Span[copied..]);
                        copied += n;
                        _offset += n;
                        if (_offset == segment.Length)
                        {
                            _segments.Dequeue();
                            _offset = 0;
                        }
                    }

                    return copied;
                }

                if (_failure is { } failure)
                {
                    throw failure;
                }

                if (_ended)
                {
                    return 0;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Finish(Exception? failure)
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_ended || _failure is not null)
            {
                return;
            }

            if (failure is null)
            {
                _ended = true;
            }
            else
            {
                _failure = failure;
            }

            wake = _waiter;
            _waiter = null;
        }

        wake?.TrySetResult();
    }
}
