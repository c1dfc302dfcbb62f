using System.Buffers;
using MockKit.Http1;

namespace MockKit.Client.Connections;

// How the body ends when the caller stops reading early: dispose discards what is buffered
// (or a small remainder in the background) to keep the connection reusable, or closes it;
// the finalizer reports a response that was never disposed (a leak).
internal sealed partial class Http1ResponseStream
{
    ~Http1ResponseStream()
    {
        Dispose(false);
    }

    /// <summary>Reads and drops the rest of the body (up to <see cref="MaxDiscardBytes"/>), then releases
    /// the connection: reusable when the body ended, closed otherwise. Used for redirects and on dispose.</summary>
    public async Task DiscardAsync()
    {
        if (IsFinished)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            _exchange.Listener.OnResponseBodyStart(_exchange.CallId);
        }

        using var deadline = new CancellationTokenSource(DiscardTimeout, _exchange.Settings.TimeProvider);
        using var registration = deadline.Token.UnsafeRegister(static s => ((Exchange)s!).Abort(), _exchange);
        var scratch = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            long discarded = 0;
            while (!IsFinished)
            {
                if (discarded > MaxDiscardBytes)
                {
                    Finish(reusable: false, completed: false);
                    return;
                }

                var read = await ReadCoreAsync(scratch).ConfigureAwait(false);
                discarded += read;
                _bytesRead += read;
                if (read == 0 || BodyComplete())
                {
                    registration.Dispose(); // Before the release hands the exchange's timeout source on (see ReadAsync).
                    Finish(ReusableAfterBody, completed: true);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or Http1ParseException or System.Net.Sockets.SocketException)
        {
            Finish(reusable: false, completed: false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if ((Interlocked.Or(ref _flags, DisposedFlag) & DisposedFlag) == 0)
        {
            await DiscardAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if ((Interlocked.Or(ref _flags, DisposedFlag) & DisposedFlag) == 0)
        {
            DisposeCore(disposing);
        }

        base.Dispose(disposing);
    }

    private void DisposeCore(bool disposing)
    {

        if (!disposing)
        {
            if (!IsFinished && OwnsExchange && !_exchange.IsReleased)
            {
                _exchange.Pool.WriteLog($"A connection to {Connection.Route.Origin}/ was leaked. Did you forget to dispose the response?");
                Finish(reusable: false, completed: false);
            }

            return;
        }

        if (IsFinished)
        {
            return;
        }

        if (!_started && _kind != Http1BodyKind.None)
        {
            // What is drained is still the body: its end reports the bytes drained (as DiscardAsync does).
            _started = true;
            _exchange.Listener.OnResponseBodyStart(_exchange.CallId);
        }

        bool discarded;
        try
        {
            discarded = TryDiscardBuffered();
        }
        catch (Http1ParseException)
        {
            Finish(reusable: false, completed: false);
            return;
        }

        if (discarded)
        {
            Finish(ReusableAfterBody, completed: true);
        }
        else if (_kind == Http1BodyKind.Chunked || (_kind == Http1BodyKind.ContentLength && _remaining <= MaxDiscardBytes))
        {
            // The connection stays allocated (not idle) until the discard ends, then is released.
            _ = DiscardAsync(); // Fire-and-forget: Dispose cannot await; bounded by MaxDiscardBytes and DiscardTimeout.
        }
        else
        {
            Finish(reusable: false, completed: false);
        }
    }

    // Consumes the rest of the body if it is all in the buffer already (no I/O: Dispose is synchronous),
    // counting what it drops into the bytes ResponseBodyEnd reports.
    private bool TryDiscardBuffered()
    {
        switch (_kind)
        {
            case Http1BodyKind.None:
                return true;
            case Http1BodyKind.ContentLength:
                if (Connection.Buffered.Length < _remaining)
                {
                    return false;
                }

                Connection.Consume((int)_remaining);
                _bytesRead += _remaining;
                _remaining = 0;
                return true;
            case Http1BodyKind.Chunked:
                while (true)
                {
                    if (_pendingChunkBytes > 0)
                    {
                        Connection.Consume(_pendingChunkBytes);
                        _bytesRead += _pendingChunkBytes;
                        _pendingChunkBytes = 0;
                    }

                    var result = DecodeBuffered();
                    if (result == ChunkedReadResult.Completed)
                    {
                        return true;
                    }

                    if (result == ChunkedReadResult.NeedMoreData)
                    {
                        return false;
                    }
                }

            default:
                return false;
        }
    }
}
