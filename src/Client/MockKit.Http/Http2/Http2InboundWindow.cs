using System.Diagnostics;

namespace MockKit.Http2;

/// <summary>
/// Receive-side flow control for one stream or for the connection (RFC 9113 sections 5.2, 6.9):
/// how much DATA the peer may still send, and when to give credit back with WINDOW_UPDATE.
/// </summary>
/// <remarks>
/// <para>The reader loop calls <see cref="OnDataReceived"/> with every DATA frame's full length
/// (padding included, section 6.9.1). Credit is returned for bytes the application has actually
/// <em>consumed</em> (<see cref="OnDataConsumed"/>), not merely received, so a slow reader pushes
/// back on the peer. To avoid a WINDOW_UPDATE per read, credit is batched until at least half the
/// window is owed. Padding is never seen by the application, so the reader loop reports it as
/// consumed at once; a reset stream's unread bytes are likewise returned to the connection window
/// by the session.</para>
/// <para>Thread-safety: the reader loop and application readers call in concurrently; all state is
/// guarded by <c>_lock</c>, which is never held while doing anything but arithmetic.</para>
/// </remarks>
public sealed class Http2InboundWindow
{
    private readonly Lock _lock;
    private readonly int _streamId;
    private int _available;      // Guarded by _lock: bytes the peer may still send.
    private int _size;           // Guarded by _lock: the window we want the peer to have (our initial window size).
    private int _owed;           // Guarded by _lock: consumed bytes not yet returned with WINDOW_UPDATE.

    /// <summary>Creates a window.</summary>
    /// <param name="streamId">The stream, or 0 for the connection window (selects the error scope).</param>
    /// <param name="initialSize">Initial window, 0..2^31-1 (65535 unless SETTINGS says otherwise; the connection window always starts at 65535).</param>
    public Http2InboundWindow(int streamId, int initialSize)
        : this(streamId, initialSize, new Lock())
    {
    }

    /// <summary>Creates a window guarded by a lock it shares (no lock object of its own per stream).</summary>
    /// <param name="streamId">The stream, or 0 for the connection window (selects the error scope).</param>
    /// <param name="initialSize">Initial window, 0..2^31-1.</param>
    /// <param name="sharedLock">
    /// Guards this window's state instead of a lock of its own: e.g. the role's stream lock, when the role
    /// already holds it around most calls (the lock is re-entrant, so calling under it is fine). The
    /// window still holds it for arithmetic only, so this adds no lock order.
    /// </param>
    public Http2InboundWindow(int streamId, int initialSize, Lock sharedLock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(initialSize);
        _lock = sharedLock ?? throw new ArgumentNullException(nameof(sharedLock));
        _streamId = streamId;
        _available = initialSize;
        _size = initialSize;
    }

    /// <summary>Bytes the peer may still send before violating flow control (may be negative after a settings shrink).</summary>
    public int Available
    {
        get
        {
            lock (_lock)
            {
                return _available;
            }
        }
    }

    /// <summary>Charges a DATA frame (its whole length, padding included) against the window.</summary>
    /// <exception cref="Http2StreamException">FLOW_CONTROL_ERROR on a stream window.</exception>
    /// <exception cref="Http2ConnectionException">FLOW_CONTROL_ERROR on the connection window.</exception>
    public void OnDataReceived(int frameLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameLength);
        int available;
        lock (_lock)
        {
            available = _available;
            if (frameLength <= available)
            {
                _available -= frameLength;
                return;
            }
        }

        string message = $"Peer sent a {frameLength}-byte DATA frame with only {available} bytes of flow-control window available.";
        if (_streamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, message);
        }

        throw new Http2StreamException(_streamId, Http2ErrorCode.FlowControlError, message);
    }

    /// <summary>
    /// Records that the application consumed <paramref name="count"/> bytes and decides whether to
    /// return credit now.
    /// </summary>
    /// <returns>The increment for a WINDOW_UPDATE to send now, or 0 to keep batching.</returns>
    public int OnDataConsumed(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            _owed += count;
            Debug.Assert((long)_available + _owed <= _size, "Cannot consume more than was received.");
            if (_owed == 0 || _owed < _size / 2)
            {
                return 0;
            }

            int increment = _owed;
            _owed = 0;
            _available += increment;
            return increment;
        }
    }

    /// <summary>
    /// Applies a change of our SETTINGS_INITIAL_WINDOW_SIZE (stream windows only; section 6.9.2). The
    /// window may become negative.
    /// </summary>
    public void AdjustInitialSize(int delta)
    {
        Debug.Assert(_streamId != 0, "SETTINGS_INITIAL_WINDOW_SIZE does not apply to the connection window.");
        lock (_lock)
        {
            _available += delta;
            _size += delta;
        }
    }

    /// <summary>Moves the window to a new initial size (stream windows only): by the difference from its current one, as <see cref="AdjustInitialSize"/>.</summary>
    /// <param name="initialSize">The new initial size.</param>
    public void ResizeTo(int initialSize)
    {
        Debug.Assert(_streamId != 0, "SETTINGS_INITIAL_WINDOW_SIZE does not apply to the connection window.");
        lock (_lock)
        {
            _available += initialSize - _size;
            _size = initialSize;
        }
    }
}
