using System.Diagnostics;

namespace MockKit.Http2;

/// <summary>
/// Send-side flow control for one stream or for the connection (RFC 9113 sections 5.2, 6.9):
/// the credit the peer granted, and senders waiting for more.
/// </summary>
/// <remarks>
/// <para>A sender calls <see cref="WaitForCreditAsync"/> with the bytes it would like to send and
/// gets between 1 and that many (already deducted); it sends exactly that much, or gives the rest
/// back with <see cref="Return"/>. A DATA frame needs both the stream's and the connection's
/// credit: take stream credit first, then connection credit for at most that amount, and return
/// the stream's surplus. Waiters are served in arrival order.</para>
/// <para>The reader loop credits the window with <see cref="OnWindowUpdate"/> and applies
/// SETTINGS_INITIAL_WINDOW_SIZE changes with <see cref="AdjustInitialSize"/>; both may release
/// waiters and never block. <see cref="Abort"/> fails the waiters when the stream or connection dies.</para>
/// <para>Lock discipline: all state is guarded by <c>_lock</c>. Grants are decided under the lock;
/// the waiters' tasks are completed after it is released (their continuations run asynchronously
/// anyway). A grant and a cancellation race only inside the lock: whichever removes the waiter
/// from the queue first wins, so credit is never lost.</para>
/// </remarks>
public sealed class Http2OutboundWindow
{
    private readonly Lock _lock;
    private readonly int _streamId;
    private LinkedList<Waiter>? _waiters; // Guarded by _lock; made on the first wait (most windows never wait: one per stream).
    private long _available;                               // Guarded by _lock; may be negative (section 6.9.2).
    private Exception? _abortedWith;                       // Guarded by _lock.

    /// <summary>Creates a window.</summary>
    /// <param name="streamId">The stream, or 0 for the connection window (selects the error scope).</param>
    /// <param name="initialSize">The peer's SETTINGS_INITIAL_WINDOW_SIZE for streams; 65535 for the connection.</param>
    public Http2OutboundWindow(int streamId, int initialSize)
        : this(streamId, initialSize, new Lock())
    {
    }

    /// <summary>Creates a window guarded by a lock it shares (no lock object of its own per stream).</summary>
    /// <param name="streamId">The stream, or 0 for the connection window (selects the error scope).</param>
    /// <param name="initialSize">The peer's SETTINGS_INITIAL_WINDOW_SIZE for streams; 65535 for the connection.</param>
    /// <param name="sharedLock">
    /// Guards this window's state instead of a lock of its own: e.g. the role's stream lock. The window
    /// holds it for arithmetic only and completes waiters after releasing it, so callers must not hold
    /// it either (as with a window's own lock, the rule is: call with no lock held).
    /// </param>
    public Http2OutboundWindow(int streamId, int initialSize, Lock sharedLock)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(initialSize);
        _lock = sharedLock ?? throw new ArgumentNullException(nameof(sharedLock));
        _streamId = streamId;
        _available = initialSize;
    }

    /// <summary>Credit available now (negative after a SETTINGS_INITIAL_WINDOW_SIZE shrink).</summary>
    public long Available
    {
        get
        {
            lock (_lock)
            {
                return _available;
            }
        }
    }

    /// <summary>Number of senders waiting for credit.</summary>
    public int WaiterCount
    {
        get
        {
            lock (_lock)
            {
                return _waiters?.Count ?? 0;
            }
        }
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> bytes of credit, waiting while none is available.
    /// Completes synchronously when credit is available.
    /// </summary>
    /// <returns>The credit granted, 1..<paramref name="wanted"/>, already deducted.</returns>
    /// <exception cref="OperationCanceledException">Canceled before any credit was granted.</exception>
    public ValueTask<int> WaitForCreditAsync(int wanted, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        Waiter waiter;
        lock (_lock)
        {
            if (_abortedWith is { } aborted)
            {
                return ValueTask.FromException<int>(aborted);
            }

            if (_available > 0 && (_waiters is null || _waiters.Count == 0))
            {
                int granted = (int)Math.Min(wanted, _available);
                _available -= granted;
                return ValueTask.FromResult(granted);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            waiter = new Waiter(wanted);
            waiter.Node = (_waiters ??= new()).AddLast(waiter);
        }

        // Registered outside the lock: an already-canceled token runs Cancel inline. If a grant
        // lands first, Cancel finds the waiter gone and does nothing.
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((Http2OutboundWindow)((object[])state!)[0]).Cancel((Waiter)((object[])state!)[1], token),
                new object[] { this, waiter });
        }

        return new ValueTask<int>(waiter.Completion.Task);
    }

    /// <summary>Gives back credit that was granted but not used.</summary>
    public void Return(int unused)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unused);
        if (unused > 0)
        {
            Credit(unused, fromPeer: false);
        }
    }

    /// <summary>Applies a WINDOW_UPDATE increment (1..2^31-1).</summary>
    /// <exception cref="Http2StreamException">FLOW_CONTROL_ERROR when a stream window would exceed 2^31-1.</exception>
    /// <exception cref="Http2ConnectionException">FLOW_CONTROL_ERROR when the connection window would exceed 2^31-1.</exception>
    public void OnWindowUpdate(int increment)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(increment, 1);
        Credit(increment, fromPeer: true);
    }

    /// <summary>
    /// Applies a change of the peer's SETTINGS_INITIAL_WINDOW_SIZE to this stream window (section 6.9.2):
    /// the window moves by <paramref name="delta"/>, possibly below zero, in which case senders wait
    /// until WINDOW_UPDATEs bring it back above zero.
    /// </summary>
    /// <exception cref="Http2ConnectionException">FLOW_CONTROL_ERROR when the window would exceed 2^31-1.</exception>
    public void AdjustInitialSize(int delta)
    {
        Debug.Assert(_streamId != 0, "SETTINGS_INITIAL_WINDOW_SIZE does not apply to the connection window.");
        List<(Waiter, int)>? grants;
        lock (_lock)
        {
            if (_available + delta > Http2Constants.MaxWindowSize)
            {
                // Section 6.9.2: "An endpoint MUST treat a change to SETTINGS_INITIAL_WINDOW_SIZE that
                // causes any flow-control window to exceed the maximum size as a connection error".
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError,
                    $"SETTINGS_INITIAL_WINDOW_SIZE change of {delta} makes stream {_streamId}'s window exceed 2^31-1.");
            }

            _available += delta;
            grants = GrantLocked();
        }

        Complete(grants);
    }

    /// <summary>Fails current and future waiters (stream reset, connection closed).</summary>
    public void Abort(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        List<Waiter> failed;
        lock (_lock)
        {
            _abortedWith ??= exception;
            failed = _waiters is null ? [] : [.. _waiters];
            _waiters?.Clear();
            foreach (Waiter waiter in failed)
            {
                waiter.Node = null;
            }
        }

        foreach (Waiter waiter in failed)
        {
            waiter.Registration.Dispose();
            waiter.Completion.TrySetException(exception);
        }
    }

    private void Credit(int amount, bool fromPeer)
    {
        List<(Waiter, int)>? grants;
        lock (_lock)
        {
            if (fromPeer && _available + amount > Http2Constants.MaxWindowSize)
            {
                // Section 6.9.1: "A sender MUST NOT allow a flow-control window to exceed 2^31-1 octets."
                string message = $"WINDOW_UPDATE of {amount} would raise the window from {_available} above 2^31-1.";
                if (_streamId == 0)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, message);
                }

                throw new Http2StreamException(_streamId, Http2ErrorCode.FlowControlError, message);
            }

            _available += amount;
            grants = GrantLocked();
        }

        Complete(grants);
    }

    /// <summary>Decides which waiters get credit; the caller completes them after leaving the lock.</summary>
    private List<(Waiter, int)>? GrantLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        List<(Waiter, int)>? grants = null;
        while (_available > 0 && _waiters?.First is { } first)
        {
            Waiter waiter = first.Value;
            int granted = (int)Math.Min(waiter.Wanted, _available);
            _available -= granted;
            _waiters!.RemoveFirst();
            waiter.Node = null;
            (grants ??= []).Add((waiter, granted));
        }

        return grants;
    }

    private static void Complete(List<(Waiter Waiter, int Granted)>? grants)
    {
        if (grants is null)
        {
            return;
        }

        foreach ((Waiter waiter, int granted) in grants)
        {
            waiter.Registration.Dispose();
            bool completed = waiter.Completion.TrySetResult(granted);
            Debug.Assert(completed, "A waiter is completed only by whoever removed it from the queue.");
        }
    }

    private void Cancel(Waiter waiter, CancellationToken token)
    {
        lock (_lock)
        {
            if (waiter.Node is null)
            {
                return; // Already granted or aborted; the grant stands.
            }

            _waiters!.Remove(waiter.Node);
            waiter.Node = null;
        }

        waiter.Completion.TrySetCanceled(token);
    }

    /// <summary>A sender waiting for credit.</summary>
    private sealed class Waiter(int wanted)
    {
        public int Wanted { get; } = wanted;

        public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; } // Guarded by the window's _lock.

        public CancellationTokenRegistration Registration { get; set; }
    }
}
