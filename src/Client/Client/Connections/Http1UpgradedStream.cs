namespace MockKit.Client.Connections;

/// <summary>
/// An HTTP/1.1 connection after <c>101 Switching Protocols</c>: the raw bytes of the new protocol
/// (a WebSocket) both ways. Reads serve what was buffered behind the 101 head first, then the
/// transport; writes go straight to the transport.
/// </summary>
/// <remarks>
/// <para>No read timeout: a WebSocket may sit idle for as long as its endpoints like (its own
/// keep-alive PINGs are the WebSocket's business, RFC 6455 section 5.5.2), and neither the token
/// given to <c>SendAsync</c> nor <see cref="InstrumentedHandler.CallTimeout"/> reaches past the
/// upgrade (<see cref="Exchange.DetachFromCallToken"/>). Each write still obeys
/// <see cref="InstrumentedHandler.WriteTimeout"/>; a canceled read or write aborts the connection.</para>
/// <para>The exchange, and with it the call (CallEnd), ends when this stream is disposed: the
/// WebSocket closed or was aborted. The connection is then closed; it left the pool at the upgrade
/// (<see cref="ConnectionPool.Detach"/>). A stream collected without being disposed reports the leak
/// through the pool's log, as response bodies do.</para>
/// <para>One reader and one writer may run at once (the WebSocket's receive and send loops).</para>
/// </remarks>
internal sealed class Http1UpgradedStream : Stream, IResponseBody
{
    private readonly Http1Connection _connection;
    private readonly Exchange _exchange;
    private long _bytesRead;
    private int _started;
    private int _finished;

    public Http1UpgradedStream(Http1Connection connection, Exchange exchange)
    {
        _connection = connection;
        _exchange = exchange;
    }

    ~Http1UpgradedStream()
    {
        if (Volatile.Read(ref _finished) == 0 && !_exchange.IsReleased)
        {
            _exchange.Pool.WriteLog($"An upgraded connection to {_connection.Route.Origin}/ was leaked. Did you forget to dispose the WebSocket?");
            Finish();
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _finished) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _exchange.Listener.OnResponseBodyStart(_exchange.CallId);
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        var buffered = _connection.Buffered;
        if (!buffered.IsEmpty)
        {
            var count = Math.Min(buffered.Length, buffer.Length);
            buffered.Span[..count].CopyTo(buffer.Span);
            _connection.Consume(count);
            _bytesRead += count;
            return count;
        }

        // A canceled read leaves a frame half-read: the connection cannot go on, so cancelling aborts it.
        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), _exchange);
        try
        {
            var read = await _connection.ReadTransportAsync(buffer, _exchange, armReadTimeout: false).ConfigureAwait(false);
            _bytesRead += read;
            return read;
        }
        catch (Exception e)
        {
            throw Map(e, "reading from the upgraded connection", cancellationToken);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _finished) != 0, this);
        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), _exchange);
        try
        {
            await _connection.WriteAsync(buffer, _exchange).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "writing to the upgraded connection", cancellationToken);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _finished) != 0, this);
        try
        {
            await _connection.FlushAsync(_exchange).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "flushing the upgraded connection", cancellationToken);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The upgraded connection is read asynchronously.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The upgraded connection is written asynchronously.");

    public override void Flush()
    {
        // Writes go straight to the transport; FlushAsync flushes a TLS stream.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Not a body to drain before a follow-up: a 101 is final. Ends the exchange.</summary>
    public Task DiscardAsync()
    {
        Finish();
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
        }

        base.Dispose(disposing);
    }

    /// <summary>An I/O failure as a stream user expects it: cancellation stays cancellation, the rest is an <see cref="IOException"/>.</summary>
    private Exception Map(Exception e, string phase, CancellationToken cancellationToken)
    {
        var mapped = _exchange.MapFailure(e, phase, cancellationToken);
        return mapped is OperationCanceledException or IOException ? mapped : new IOException(mapped.Message, mapped);
    }

    private void Finish()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

#pragma warning disable CA1816 // The finalizer exists only for leak detection, which ends here.
        GC.SuppressFinalize(this);
#pragma warning restore CA1816
        _exchange.Listener.OnResponseBodyEnd(_exchange.CallId, Interlocked.Read(ref _bytesRead));

        // Never reusable: the connection speaks another protocol now. Completed: the upgrade succeeded
        // and the new protocol ran to its end (or was abandoned by its owner, which is its right).
        _exchange.Release(reusable: false, completed: true);
    }
}
