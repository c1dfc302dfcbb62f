using System.Diagnostics;
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

    // Kept few and small: every call allocates one. The connection is the exchange's (an exchange object is
    // only ever reused by its own connection), and so is the chunked decoder (one per connection, reset for
    // each body); the fixed length is _bytesRead + _remaining.
    private const int FinishedFlag = 1;
    private const int DisposedFlag = 2;

    private readonly Exchange _exchange;
    private readonly HttpResponseMessage _response;
    private readonly Http1BodyKind _kind;
    private readonly int _lease; // The exchange's lease this body belongs to (see Exchange.Lease).
    private long _remaining;
    private long _bytesRead; // Body bytes off the connection: read by the caller, or drained for it (dispose, follow-ups).
    private int _pendingChunkBytes;
    private int _flags; // FinishedFlag and DisposedFlag, each set once (Interlocked.Or).
    private bool _started;

    public Http1ResponseStream(Http1Connection connection, Exchange exchange, Http1BodyFraming framing, HttpResponseMessage response)
    {
        Debug.Assert(ReferenceEquals(exchange.Connection, connection), "A body reads off its exchange's connection.");
        _exchange = exchange;
        _kind = framing.Kind;
        _response = response;
        _lease = exchange.Lease;
        _remaining = framing.Kind == Http1BodyKind.ContentLength ? framing.Length : 0;
        if (framing.Kind == Http1BodyKind.Chunked)
        {
            connection.RentChunkedDecoder();
        }
    }

    /// <summary>Whether the connection may carry another exchange once this body has ended.</summary>
    public bool ReusableAfterBody { get; set; }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    private bool IsFinished => (Volatile.Read(ref _flags) & FinishedFlag) != 0;

    private Http1Connection Connection => (Http1Connection)_exchange.Connection;

    private ChunkedBodyDecoder Chunked => Connection.ChunkedDecoder!;

    /// <summary>Whether the exchange object is still on the lease this body started with (its connection
    /// reuses the object once the exchange is released cleanly).</summary>
    private bool OwnsExchange => _exchange.Lease == _lease;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf((Volatile.Read(ref _flags) & DisposedFlag) != 0, this);
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
            var mapped = Http1Connection.MapFailure(_exchange, e, "reading the response body", cancellationToken);
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
        if ((Interlocked.Or(ref _flags, FinishedFlag) & FinishedFlag) != 0)
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
