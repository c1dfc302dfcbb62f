using System.Buffers;
using System.Globalization;
using MockKit.Http1;

namespace MockKit.Client.Connections;

/// <summary>
/// A response body streamed off an HTTP/1 connection, never buffered whole. Framing follows
/// <see cref="Http1BodyFraming"/>: a fixed length, chunked (trailers go to
/// <see cref="HttpResponseMessage.TrailingHeaders"/>) or until the server closes.
/// </summary>
/// <remarks>
/// <para>The exchange (and so the connection) is released the moment the body ends: when the
/// last byte is read, or when the stream is disposed. On dispose, what remains of the body is
/// discarded if it is already buffered or small (<see cref="MaxDiscardBytes"/>, read in the
/// background within <see cref="DiscardTimeout"/>), so the connection stays reusable; otherwise
/// the connection is closed.</para>
/// <para>Leak detection: this stream is the only strong owner of its exchange. If it is collected
/// without having been read to the end or disposed, its finalizer reports the leak through the
/// pool's log, and releases the exchange marked no-new-exchanges so the connection closes.</para>
/// <para>One reader at a time, as for any stream.</para>
/// </remarks>
internal sealed class Http1ResponseStream : Stream, IResponseBody
{
    /// <summary>Bodies with at most this many bytes left are read and discarded on dispose.</summary>
    public const int MaxDiscardBytes = 64 * 1024;

    /// <summary>How long discarding may take before the connection is closed instead.</summary>
    public static readonly TimeSpan DiscardTimeout = TimeSpan.FromSeconds(1);

    private readonly Http1Connection _connection;
    private readonly Exchange _exchange;
    private readonly Http1BodyFraming _framing;
    private readonly HttpResponseMessage _response;
    private readonly ChunkedBodyDecoder? _chunked;
    private long _remaining;
    private int _pendingChunkBytes;
    private long _bytesRead;
    private bool _started;
    private int _finished;
    private int _disposed;

    public Http1ResponseStream(Http1Connection connection, Exchange exchange, Http1BodyFraming framing, HttpResponseMessage response)
    {
        _connection = connection;
        _exchange = exchange;
        _framing = framing;
        _response = response;
        _remaining = framing.Kind == Http1BodyKind.ContentLength ? framing.Length : 0;
        _chunked = framing.Kind == Http1BodyKind.Chunked ? new ChunkedBodyDecoder(Http1Limits.Default) : null;
    }

    ~Http1ResponseStream()
    {
        Dispose(false);
    }

    /// <summary>Whether the connection may carry another exchange once this body has ended.</summary>
    public bool ReusableAfterBody { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    private bool IsFinished => Volatile.Read(ref _finished) != 0;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (IsFinished)
        {
            return 0;
        }

        if (!_started)
        {
            _started = true;
            _exchange.Listener.OnResponseBodyStart(_exchange.CallId);
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), _exchange)
            : default;
        int read;
        try
        {
            read = await ReadCoreAsync(buffer).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var mapped = _exchange.MapFailure(e, "reading the response body", cancellationToken);
            Finish(reusable: false, completed: false);
            if (mapped is OperationCanceledException)
            {
                throw mapped;
            }

            throw new HttpIOException(HttpRequestError.ResponseEnded, mapped.Message, mapped);
        }

        _bytesRead += read;
        if (read == 0 || BodyComplete())
        {
            Finish(ReusableAfterBody, completed: true);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("This response body is read asynchronously (ReadAsync, CopyToAsync, ReadAsStringAsync).");

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
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await DiscardAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            DisposeCore(disposing);
        }

        base.Dispose(disposing);
    }

    private void DisposeCore(bool disposing)
    {

        if (!disposing)
        {
            if (!IsFinished && !_exchange.IsReleased)
            {
                _exchange.Pool.WriteLog($"A connection to {_connection.Route.Origin}/ was leaked. Did you forget to dispose the response?");
                Finish(reusable: false, completed: false);
            }

            return;
        }

        if (IsFinished)
        {
            return;
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
        else if (_framing.Kind == Http1BodyKind.Chunked || (_framing.Kind == Http1BodyKind.ContentLength && _remaining <= MaxDiscardBytes))
        {
            // The connection stays allocated (not idle) until the discard ends, then is released.
            _ = DiscardAsync(); // Fire-and-forget: Dispose cannot await; bounded by MaxDiscardBytes and DiscardTimeout.
        }
        else
        {
            Finish(reusable: false, completed: false);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool BodyComplete() => _framing.Kind switch
    {
        Http1BodyKind.None => true,
        Http1BodyKind.ContentLength => _remaining == 0,
        Http1BodyKind.Chunked => _chunked!.IsCompleted && _pendingChunkBytes == 0,
        _ => false,
    };

    private void Finish(bool reusable, bool completed)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        // Once the exchange is released there is nothing left to report as leaked.
#pragma warning disable CA1816 // The finalizer exists only for leak detection, which ends here.
        GC.SuppressFinalize(this);
#pragma warning restore CA1816
        _exchange.Listener.OnResponseBodyEnd(_exchange.CallId, _bytesRead);
        _exchange.Release(reusable, completed);
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer)
    {
        switch (_framing.Kind)
        {
            case Http1BodyKind.None:
                return 0;

            case Http1BodyKind.ContentLength:
                if (_remaining == 0)
                {
                    return 0;
                }

                var limit = (int)Math.Min(buffer.Length, _remaining);
                var read = _connection.Buffered.Length > 0
                    ? CopyBuffered(buffer.Span[..limit])
                    : await _connection.ReadTransportAsync(buffer[..limit], _exchange).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException(string.Create(CultureInfo.InvariantCulture, $"The response ended after {_framing.Length - _remaining} of {_framing.Length} bytes."));
                }

                _remaining -= read;
                return read;

            case Http1BodyKind.Chunked:
                return await ReadChunkedAsync(buffer).ConfigureAwait(false);

            default:
                return _connection.Buffered.Length > 0
                    ? CopyBuffered(buffer.Span)
                    : await _connection.ReadTransportAsync(buffer, _exchange).ConfigureAwait(false);
        }
    }

    private async ValueTask<int> ReadChunkedAsync(Memory<byte> buffer)
    {
        while (true)
        {
            if (_pendingChunkBytes > 0)
            {
                var read = CopyBuffered(buffer.Span[..Math.Min(buffer.Length, _pendingChunkBytes)]);
                _pendingChunkBytes -= read;
                return read;
            }

            switch (DecodeBuffered())
            {
                case ChunkedReadResult.Data:
                    continue;
                case ChunkedReadResult.Completed:
                    return 0;
                default:
                    if (await _connection.FillAsync(_exchange).ConfigureAwait(false) == 0)
                    {
                        throw new IOException("The response ended in the middle of its chunked body.");
                    }

                    break;
            }
        }
    }

    // Runs the shared decoder over what is buffered. Chunk data stays in the connection's
    // buffer: everything before it is consumed, and _pendingChunkBytes says how much follows.
    private ChunkedReadResult DecodeBuffered()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(_connection.Buffered));
        var result = _chunked!.Read(ref reader, out var data);
        if (result == ChunkedReadResult.Data)
        {
            _connection.Consume((int)(reader.Consumed - data.Length));
            _pendingChunkBytes = (int)data.Length;
            return result;
        }

        _connection.Consume((int)reader.Consumed);
        if (result == ChunkedReadResult.Completed)
        {
            foreach (var (name, value) in _chunked.Trailers)
            {
                _response.TrailingHeaders.TryAddWithoutValidation(name, value);
            }
        }

        return result;
    }

    private int CopyBuffered(Span<byte> destination)
    {
        var buffered = _connection.Buffered.Span;
        var count = Math.Min(buffered.Length, destination.Length);
        buffered[..count].CopyTo(destination);
        _connection.Consume(count);
        return count;
    }

    // Consumes the rest of the body if it is all in the buffer already (no I/O: Dispose is synchronous).
    private bool TryDiscardBuffered()
    {
        switch (_framing.Kind)
        {
            case Http1BodyKind.None:
                return true;
            case Http1BodyKind.ContentLength:
                if (_connection.Buffered.Length < _remaining)
                {
                    return false;
                }

                _connection.Consume((int)_remaining);
                _remaining = 0;
                return true;
            case Http1BodyKind.Chunked:
                while (true)
                {
                    if (_pendingChunkBytes > 0)
                    {
                        _connection.Consume(_pendingChunkBytes);
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
