namespace MockKit.Client.Connections;

/// <summary>
/// Both directions of an HTTP/2 extended CONNECT stream (RFC 8441 section 5): reads return the
/// server's DATA, writes become our DATA on the same stream. Flow control runs both ways as for any
/// stream (RFC 9113 section 5.2): a read returns credit for what it consumed
/// (<see cref="Http2Connection.OnConsumed"/>), a write waits for stream then connection credit.
/// </summary>
/// <remarks>
/// <para>No read timeout (a WebSocket may be idle for as long as its endpoints like), and the call's
/// token and <see cref="InstrumentedHandler.CallTimeout"/> stop at the 2xx
/// (<see cref="Exchange.DetachFromCallToken"/>); each write obeys
/// <see cref="InstrumentedHandler.WriteTimeout"/> while it waits for credit.</para>
/// <para>The exchange (one active stream of the pooled connection) and the call end when this
/// stream is disposed: our side ends with END_STREAM when the server's side has ended, otherwise the
/// stream is reset with CANCEL; the connection stays in the pool for other exchanges. A stream
/// collected without being disposed reports the leak through the pool's log.</para>
/// <para>One reader and one writer may run at once.</para>
/// </remarks>
internal sealed class Http2DuplexStream : Stream, IResponseBody
{
    private readonly Http2Connection _connection;
    private readonly Http2ClientStream _stream;
    private readonly CancellationTokenRegistration _registration;
    private long _bytesRead;
    private int _started;
    private int _finished;

    public Http2DuplexStream(Http2Connection connection, Http2ClientStream stream, CancellationTokenRegistration registration)
    {
        _connection = connection;
        _stream = stream;
        _registration = registration;
    }

    ~Http2DuplexStream()
    {
        if (Volatile.Read(ref _finished) == 0 && !Exchange.IsReleased)
        {
            Exchange.Pool.WriteLog($"An extended CONNECT stream to {_connection.Route.Origin}/ was leaked. Did you forget to dispose the WebSocket?");
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

    private Exchange Exchange => _stream.Exchange;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _finished) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            Exchange.Listener.OnResponseBodyStart(Exchange.CallId);
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), Exchange);
        int read;
        try
        {
            read = await _stream.Body.ReadAsync(buffer, Exchange.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "reading the extended CONNECT stream", cancellationToken);
        }

        if (read > 0)
        {
            _bytesRead += read;
            _connection.OnConsumed(_stream, read);
        }

        return read; // 0: the server ended its side (END_STREAM); ours stays open until disposed.
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _finished) != 0, this);
        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), Exchange);
        Exchange.Arm(Exchange.Settings.WriteTimeout, "write"); // Waiting for credit is this protocol's write.
        try
        {
            await _connection.WriteBodyAsync(_stream, buffer, Exchange.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "writing the extended CONNECT stream", cancellationToken);
        }
        finally
        {
            Exchange.Disarm();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // The writer loop flushes.

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The extended CONNECT stream is read asynchronously.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The extended CONNECT stream is written asynchronously.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>A 2xx to an extended CONNECT is final, never followed up. Ends the exchange.</summary>
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

    private Exception Map(Exception e, string phase, CancellationToken cancellationToken)
    {
        var mapped = Exchange.MapFailure(e, phase, cancellationToken);
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
        _registration.Dispose();
        Exchange.Listener.OnResponseBodyEnd(Exchange.CallId, Interlocked.Read(ref _bytesRead));

        // The server ended its side and we read it all: end ours with END_STREAM (RFC 9113 section 8.1),
        // which closes the stream. Otherwise abandon both sides at once with RST_STREAM(CANCEL) (section
        // 8.7), which also frees the credit of anything still buffered; an END_STREAM queued before it
        // would be dropped by the writer anyway once the reset closed the stream.
        var completed = _stream.Body.IsDrained;
        if (completed)
        {
            _connection.QueueEndStream(_stream);
        }
        else
        {
            _connection.Cancel(_stream);
        }

        Exchange.Release(reusable: true, completed: completed);
    }
}
