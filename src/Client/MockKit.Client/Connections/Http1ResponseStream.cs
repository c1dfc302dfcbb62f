using System.Runtime.CompilerServices;
using MockKit.Http1;
using MockKit.Transport;

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
internal sealed partial class Http1ResponseStream : ProtocolStream, IResponseBody
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
    private readonly int _lease; // The exchange's lease this body belongs to (see Exchange.Lease).
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
        _lease = exchange.Lease;
        _remaining = framing.Kind == Http1BodyKind.ContentLength ? framing.Length : 0;
        _chunked = framing.Kind == Http1BodyKind.Chunked ? connection.RentChunkedDecoder() : null;
    }

    /// <summary>Whether the connection may carry another exchange once this body has ended.</summary>
    public bool ReusableAfterBody { get; set; }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    private bool IsFinished => Volatile.Read(ref _finished) != 0;

    /// <summary>Whether the exchange object is still on the lease this body started with (its connection
    /// reuses the object once the exchange is released cleanly).</summary>
    private bool OwnsExchange => _exchange.Lease == _lease;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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

        // The exchange already listens to the call's token (HttpClient reads content with the
        // same token it sent with); register only a different one.
        var registration = cancellationToken.CanBeCanceled && cancellationToken != _exchange.CallToken
            ? cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), _exchange)
            : default;
        int read;
        try
        {
            read = await ReadCoreAsync(buffer).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            registration.Dispose();
            var mapped = _exchange.MapFailure(e, "reading the response body", cancellationToken);
            Finish(reusable: false, completed: false);
            if (mapped is OperationCanceledException)
            {
                throw mapped;
            }

            throw new HttpIOException(Exchange.BodyReadError(mapped), mapped.Message, mapped);
        }

        // Unregistered (waiting out a callback in flight) before Finish: a released exchange hands its
        // timeout source to the connection's next exchange, which no callback of ours may cancel.
        registration.Dispose();
        _bytesRead += read;
        if (read == 0 || BodyComplete())
        {
            Finish(ReusableAfterBody, completed: true);
        }

        return read;
    }

    protected override string AsyncOnlyMessage => "This response body is read asynchronously (ReadAsync, CopyToAsync, ReadAsStringAsync).";

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
        if (!OwnsExchange)
        {
            return; // The exchange object already serves a later exchange: this body ended long ago.
        }

        _exchange.Listener.OnResponseBodyEnd(_exchange.CallId, _bytesRead);
        _exchange.Release(reusable, completed);
    }
}
