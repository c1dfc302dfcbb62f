using MockKit.Transport;

namespace MockKit.Client.Connections;

/// <summary>
/// What both kinds of two-way response content share: the connection after a 101 on HTTP/1.1
/// (<see cref="Http1UpgradedStream"/>) and an extended CONNECT stream on HTTP/2
/// (<see cref="Http2DuplexStream"/>). Asynchronous reads and writes only; the exchange, and with
/// it the call (CallEnd), ends exactly once when the stream is disposed, discarded or, if its owner
/// forgot it, finalized (the leak is reported through the pool's log). How each protocol ends its
/// side is <see cref="OnFinished"/>.
/// </summary>
internal abstract class DuplexResponseStream : ProtocolStream, IResponseBody
{
    private readonly string _kind;
    private long _bytesRead;
    private int _started;
    private int _finished;

    /// <param name="kind">What this is, for messages: "upgraded connection", "extended CONNECT stream".</param>
    protected DuplexResponseStream(string kind)
    {
        _kind = kind;
    }

    ~DuplexResponseStream()
    {
        if (Volatile.Read(ref _finished) == 0 && !Exchange.IsReleased)
        {
            Exchange.Pool.WriteLog($"An {_kind} to {Exchange.Connection.Route.Origin}/ was leaked. Did you forget to dispose the WebSocket?");
            Finish();
        }
    }

    public sealed override bool CanRead => true;

    public sealed override bool CanWrite => true;

    /// <summary>The exchange this stream's bytes belong to.</summary>
    protected abstract Exchange Exchange { get; }

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    protected sealed override string AsyncOnlyMessage => $"The {_kind} is read and written asynchronously.";

    /// <summary>Not a body to drain before a follow-up: the answer that opened this stream is final. Ends the exchange.</summary>
    public Task DiscardAsync()
    {
        Finish();
        return Task.CompletedTask;
    }

    protected sealed override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
        }

        base.Dispose(disposing);
    }

    /// <summary>Throws once the stream has finished (disposed or discarded).</summary>
    protected void ThrowIfFinished() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _finished) != 0, this);

    /// <summary>Reports ResponseBodyStart on the first read.</summary>
    protected void OnReadStarting()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            Exchange.Listener.OnResponseBodyStart(Exchange.CallId);
        }
    }

    /// <summary>Counts bytes handed to the reader (ResponseBodyEnd reports the total). One reader at a time.</summary>
    protected void OnRead(int count) => _bytesRead += count;

    /// <summary>An I/O failure as a stream user expects it: cancellation stays cancellation, the rest is an <see cref="IOException"/>.</summary>
    protected Exception Map(Exception e, string phase, CancellationToken cancellationToken)
    {
        var mapped = Exchange.MapFailure(e, phase, cancellationToken);
        return mapped is OperationCanceledException or IOException ? mapped : new IOException(mapped.Message, mapped);
    }

    /// <summary>Ends this side in the protocol's way and releases the exchange; runs once.</summary>
    protected abstract void OnFinished();

    private void Finish()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

#pragma warning disable CA1816 // The finalizer exists only for leak detection, which ends here.
        GC.SuppressFinalize(this);
#pragma warning restore CA1816
        Exchange.Listener.OnResponseBodyEnd(Exchange.CallId, Interlocked.Read(ref _bytesRead));
        OnFinished();
    }
}
