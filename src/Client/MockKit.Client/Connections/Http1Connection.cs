using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MockKit.Buffers;
using MockKit.Http1;

namespace MockKit.Client.Connections;

/// <summary>
/// An HTTP/1.1 connection: one socket (plus TLS) to one route, carrying one exchange at a time.
/// It owns the transport and a read buffer; the exchange that holds the connection drives all
/// I/O directly (there is no background reader: between exchanges nothing reads the socket, so
/// bytes that arrive then are a sign of trouble the health check looks for).
/// </summary>
/// <remarks>
/// Overview of an exchange: the pool allocates the connection to a call's <see cref="Exchange"/>;
/// <c>Http1Connection.Exchange.cs</c> writes the head (validated with <see cref="HttpFieldSyntax"/>)
/// and body (<see cref="Http1RequestBodyStream"/>), reads the head with the shared
/// <see cref="Http1HeadParser"/> and hands the body to <see cref="Http1ResponseStream"/>, which
/// releases the exchange when the body ends or is disposed. Only the exchange's task touches the
/// buffer; <see cref="Close"/> may run on any thread and only disposes the transport.
/// </remarks>
// The hot I/O helpers use PoolingAsyncValueTaskMethodBuilder, and the hot paths keep async levels
// few: a level that suspends rents a box, and with many exchanges in flight the builder's caches
// run dry (see ReadHeadAsync). Objects an exchange needs only while it holds the connection (field
// list, chunked decoder, request-head buffer, timeout source, and the Exchange object itself) belong to
// the connection and are reset by the next exchange, never shared by two.
internal sealed partial class Http1Connection : PooledConnection
{
    private const int BufferSize = 16 * 1024;

    private readonly Socket _socket;
    private readonly Http1FieldCache _fieldCache = new(); // Used only by the exchange holding the connection.
    private ChunkedBodyDecoder? _chunkedDecoder; // Likewise; see RentChunkedDecoder.

    // The request head of the exchange holding the connection, rewritten (Clear) by each exchange. Its
    // array is never returned to the pool: Close may run on another thread while a write still reads
    // it, so the connection keeps it until both are collected.
    private PooledBufferWriter? _requestHead;
    private Stream _stream;
    private byte[] _buffer = new byte[BufferSize];
    private CancellationTokenSource? _spareTimeoutSource; // Left by the previous clean exchange; swapped atomically.
    private Exchange? _spareExchange; // Likewise the previous clean exchange object itself (Exchange.Begin).
    private string? _defaultHost; // The Host field for this connection's address, computed at its first exchange.
    private int _start;
    private int _end;
    private int _closed;

    public Http1Connection(long id, Address address, Route route, Socket socket, Stream stream, TlsHandshake? handshake, int firstSequenceNumber, long createdTimestamp, TimeProvider timeProvider)
        : base(id, address, route, handshake, firstSequenceNumber, createdTimestamp)
    {
        _socket = socket;
        _stream = stream;
        TimeProvider = timeProvider;
    }

    public override Protocol Protocol => Protocol.Http11;

    public override int AllocationLimit => 1;

    public TimeProvider TimeProvider { get; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Bytes received and not yet consumed.</summary>
    internal ReadOnlyMemory<byte> Buffered => _buffer.AsMemory(_start, _end - _start);

    public override ValueTask<bool> IsHealthyAsync(bool doExtensiveChecks)
    {
        if (IsClosed || !_socket.Connected || _end > _start)
        {
            return ValueTask.FromResult(false);
        }

        if (!doExtensiveChecks)
        {
            return ValueTask.FromResult(true);
        }

        try
        {
            // Readable with nothing available: the peer closed (or half-closed) the socket.
            // Readable with bytes: the server sent something nobody asked for. Either way the
            // connection cannot carry a new exchange.
            return ValueTask.FromResult(!_socket.Poll(0, SelectMode.SelectRead));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return ValueTask.FromResult(false);
        }
    }

    /// <summary>
    /// The timeout source for a new exchange: the one the previous clean exchange left
    /// (<see cref="ReturnTimeoutSource"/>), or a fresh one. Saves a source, its timer and its
    /// registration table per exchange on a kept-alive connection.
    /// </summary>
    internal override CancellationTokenSource RentTimeoutSource(TimeProvider timeProvider) =>
        Interlocked.Exchange(ref _spareTimeoutSource, null) ?? base.RentTimeoutSource(timeProvider);

    /// <summary>Keeps <paramref name="source"/> for the next exchange if it can be reset (never canceled), else disposes it.</summary>
    internal override void ReturnTimeoutSource(CancellationTokenSource source)
    {
        // TryReset fails once the source was canceled (a timeout or an abort): such a source is spent.
        if (IsClosed || !source.TryReset() || Interlocked.CompareExchange(ref _spareTimeoutSource, source, null) is not null)
        {
            source.Dispose();
        }
    }

    /// <summary>The exchange object the previous clean exchange left, if any (taken atomically: at most one user).</summary>
    internal override Exchange? TakeSpareExchange() => Interlocked.Exchange(ref _spareExchange, null);

    /// <summary>Keeps a released, clean <paramref name="exchange"/> for this connection's next exchange.</summary>
    internal override bool ReturnSpareExchange(Exchange exchange) =>
        !IsClosed && Interlocked.CompareExchange(ref _spareExchange, exchange, null) is null;

    /// <summary>
    /// The chunked decoder for the body of the exchange holding the connection, reset. One per
    /// connection is enough: a response body's reader stops using it before it releases the
    /// exchange (the last chunk and trailers are decoded before the release), and a connection
    /// released mid-body is never reused.
    /// </summary>
    internal ChunkedBodyDecoder RentChunkedDecoder()
    {
        var decoder = _chunkedDecoder ??= new ChunkedBodyDecoder(Http1Limits.Default);
        decoder.Reset();
        return decoder;
    }

    /// <summary>The decoder <see cref="RentChunkedDecoder"/> last handed out (the body reading it reaches it here
    /// rather than keeping a field of its own); null before the connection's first chunked body.</summary>
    internal ChunkedBodyDecoder? ChunkedDecoder => _chunkedDecoder;

    public override void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _stream.Dispose();
        _socket.Dispose();
        Interlocked.Exchange(ref _spareTimeoutSource, null)?.Dispose();
        Metrics?.Closed(TimeProvider.GetElapsedTime(CreatedTimestamp));
    }

    /// <summary>Marks <paramref name="count"/> buffered bytes consumed.</summary>
    internal void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    /// <summary>Reads more bytes into the buffer under the read timeout; returns 0 at end of stream.</summary>
    /// <remarks>Not an async method: ReadTransportAsync accounts for the bytes (<c>intoBuffer</c>), so a fill
    /// costs one state machine, not two.</remarks>
    internal ValueTask<int> FillAsync(Exchange exchange, bool armReadTimeout = true) =>
        ReadTransportAsync(FreeSpace(), exchange, armReadTimeout, intoBuffer: true);

    /// <summary>The free end of the buffer, after moving unconsumed bytes to its start or growing it when it is full.</summary>
    private Memory<byte> FreeSpace()
    {
        if (_start > 0 && _end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // A head bigger than the buffer: grow (the parser's limit bounds this).
            var grown = new byte[_buffer.Length * 2];
            Buffer.BlockCopy(_buffer, _start, grown, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = grown;
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Reads straight into the caller's memory (used for bodies when nothing is buffered), or into the free
    /// end of the connection's buffer (<paramref name="intoBuffer"/>, from <see cref="FillAsync"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<int> ReadTransportAsync(Memory<byte> destination, Exchange exchange, bool armReadTimeout = true, bool intoBuffer = false)
    {
        if (armReadTimeout)
        {
            exchange.Arm(exchange.Settings.ReadTimeout, "read");
        }

        try
        {
            var read = await _stream.ReadAsync(destination, exchange.Token).ConfigureAwait(false);
            if (read > 0)
            {
                exchange.ResponseBytesReceived = true;
            }

            if (intoBuffer)
            {
                _end += read;
            }

            return read;
        }
        finally
        {
            exchange.Disarm();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask WriteAsync(ReadOnlyMemory<byte> data, Exchange exchange)
    {
        exchange.Arm(exchange.Settings.WriteTimeout, "write");
        try
        {
            await _stream.WriteAsync(data, exchange.Token).ConfigureAwait(false);
        }
        finally
        {
            exchange.Disarm();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask FlushAsync(Exchange exchange)
    {
        exchange.Arm(exchange.Settings.WriteTimeout, "write");
        try
        {
            await _stream.FlushAsync(exchange.Token).ConfigureAwait(false);
        }
        finally
        {
            exchange.Disarm();
        }
    }

    /// <summary>Reads one response head with the shared parser: the next one, or with <paramref name="final"/> the
    /// first final one (interim 1xx heads skipped, see <see cref="IsFinal"/>).</summary>
    /// <param name="exchange">The exchange reading.</param>
    /// <param name="armReadTimeout">False when the caller bounds the wait itself (the 100-continue wait).</param>
    /// <param name="final">Whether to skip interim responses.</param>
    /// <param name="informational">Interim responses this exchange already skipped (counted against the cap).</param>
    /// <remarks>
    /// One state machine for the whole read: the transport read is inline (<see cref="ReceiveAsync"/>,
    /// which is not an async method) rather than through <see cref="FillAsync"/>, and the 1xx loop is
    /// here rather than in a caller. Each async level that suspends rents a box, and with many
    /// exchanges in flight the builder's per-thread and per-core caches run dry, so every level is
    /// an allocation per exchange. <see cref="SendAsync"/> runs the same loop itself for that reason (with content,
    /// inline in its state machine; without, through <see cref="ResponseHeadWait"/>, which allocates nothing).
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<Http1ResponseHead> ReadHeadAsync(Exchange exchange, bool armReadTimeout = true, bool final = false, int informational = 0)
    {
        while (true)
        {
            if (TryTakeHead(out var head))
            {
                if (!final || IsFinal(head, ref informational))
                {
                    return head;
                }

                continue;
            }

            int read;
            try
            {
                read = await ReceiveAsync(exchange, armReadTimeout).ConfigureAwait(false);
            }
            finally
            {
                exchange.Disarm();
            }

            Received(exchange, read);
        }
    }

    /// <summary>Parses a complete head off the front of the buffer, if one is there.</summary>
    private bool TryTakeHead(out Http1ResponseHead head)
    {
        var sequence = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
        if (!Http1HeadParser.TryParseResponseHead(ref sequence, Http1Limits.Default, out head, _fieldCache))
        {
            return false;
        }

        Consume(_end - _start - (int)sequence.Length);
        return true;
    }

    /// <summary>
    /// Starts a transport read into the free end of the buffer, under the read timeout unless
    /// <paramref name="armReadTimeout"/> is false. Not an async method, so the caller's state machine is
    /// the only one that waits; the caller disarms the timeout in a <c>finally</c> and hands the
    /// count to <see cref="Received"/>.
    /// </summary>
    private ValueTask<int> ReceiveAsync(Exchange exchange, bool armReadTimeout = true)
    {
        var free = FreeSpace();
        if (armReadTimeout)
        {
            exchange.Arm(exchange.Settings.ReadTimeout, "read");
        }

        return _stream.ReadAsync(free, exchange.Token);
    }

    /// <summary>Accounts for <paramref name="read"/> bytes received while a head was awaited.</summary>
    private void Received(Exchange exchange, int read)
    {
        if (read == 0)
        {
            // HttpRequestError.ResponseEnded, as SocketsHttpHandler reports the end of the stream
            // whether or not part of the head arrived.
            throw new HttpIOException(HttpRequestError.ResponseEnded, exchange.ResponseBytesReceived
                ? "The server closed the connection in the middle of the response head."
                : "The server closed the connection without sending a response.");
        }

        exchange.ResponseBytesReceived = true;
        _end += read;
    }
}
