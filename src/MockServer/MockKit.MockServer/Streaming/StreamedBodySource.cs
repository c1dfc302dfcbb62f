using System.Buffers;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Streaming;

/// <summary>
/// The source of a response body that is relayed as it arrives instead of being held in memory
/// (today: a forwarded upstream's response body). Both response writers read it chunk by chunk
/// (<see cref="CopyToAsync"/>), so the first bytes reach the client before the last ones exist.
/// </summary>
/// <remarks>
/// <para>Single use: a streamed body can be sent once (<see cref="Take"/> throws the second time),
/// because its bytes are read from a live stream. Everything read is also kept for the record, at
/// most <c>recordLimit</c> bytes of it (<see cref="MockWebServer.BodyLimit"/>), and counted in full.</para>
/// <para>The body is counted against its declared length as it is relayed: a source that ends early
/// or runs past that length would otherwise desynchronise the client's framing (HTTP/1.1 reads the
/// surplus as its next response; RFC 9112 section 6.3), so the copy stops with an
/// <see cref="UpstreamBodyException"/> before the offending bytes are written, <c>onFailed</c> runs,
/// and the session aborts the exchange (HTTP/1.1: closes the connection; HTTP/2: resets the stream).
/// A source that fails while being read is reported the same way.</para>
/// <para>When the source reaches its end, <c>onEnd</c> runs once, before the writer sends the end
/// of the body, so trailers it fills in (the upstream's arrive only after its body) go out after
/// the body. When the exchange stops early (a socket policy, the client gone), <see cref="ReleaseAsync"/>
/// reads on for the record only until the record is full (the limit), so an endless source (an event
/// stream, a long poll) is never read for nobody; it then disposes the source, which cancels the
/// upstream, and runs <c>onEnd</c> with the record marked cut short (<see cref="CutShort"/>).</para>
/// <para>Thread-safety: one writer reads it at a time; <see cref="Take"/>, <see cref="ReleaseAsync"/> and
/// <see cref="AbandonAsync"/> may race with each other and are safe to call more than once.</para>
/// </remarks>
internal sealed class StreamedBodySource(
    Stream content, long? length, IDisposable? owner, long recordLimit, Action<StreamedBodySource>? onEnd, Action<Exception>? onFailed = null)
{
    private const int ReadSize = 16 * 1024;

    private readonly BodyRecorder _record = new(recordLimit);
    private int _taken;
    private int _released;
    private int _failed;
    private bool _ended;

    /// <summary>The declared length (the upstream's <c>Content-Length</c>), or null when unknown.</summary>
    public long? Length { get; } = length;

    /// <summary>
    /// The bytes kept for the record (at most the limit), made once: call only after the end (later
    /// reads are only counted, see <see cref="BodyRecorder.Detach"/>).
    /// </summary>
    public byte[] RecordedBytes() => _record.Detach();

    /// <summary>Every byte read so far, kept or not.</summary>
    public long Size => _record.Size;

    /// <summary>True when the record was closed before the source's end (the exchange stopped early and the record was full).</summary>
    public bool CutShort { get; private set; }

    /// <summary>Claims the body for one writer.</summary>
    /// <exception cref="InvalidOperationException">It was already sent once.</exception>
    public void Take()
    {
        if (Interlocked.Exchange(ref _taken, 1) != 0)
        {
            throw new InvalidOperationException("A streamed MockBody (e.g. a forwarded response's) can be sent only once; it is read from a live stream.");
        }
    }

    /// <summary>
    /// Copies the whole source to <paramref name="sink"/>, flushing after each read so bytes are not
    /// held back while the source waits for more.
    /// </summary>
    /// <param name="sink">The decorated body sink.</param>
    /// <param name="freshBuffers">
    /// True when the sink may still hold a written buffer after its flush returned (HTTP/2 queues DATA
    /// frames that reference it): each read then gets its own array instead of a pooled one.
    /// </param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <exception cref="UpstreamBodyException">The source failed or did not match its declared length.</exception>
    public async Task CopyToAsync(Stream sink, bool freshBuffers, CancellationToken cancellationToken)
    {
        var pooled = freshBuffers ? null : ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            while (true)
            {
                var buffer = pooled ?? new byte[ReadSize];
                var read = await ReadSourceAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (Length is { } declared && Size < declared)
                    {
                        throw Fail($"The upstream body ended after {Size} bytes of its declared Content-Length {declared}.");
                    }

                    End();
                    return;
                }

                _record.Append(buffer.AsSpan(0, read));
                if (Length is { } limit && Size > limit)
                {
                    // Nothing of this read goes out: the client never sees a byte past the declared length.
                    throw Fail($"The upstream body ran past its declared Content-Length {limit} ({Size} bytes read so far).");
                }

                await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (pooled is not null)
            {
                ArrayPool<byte>.Shared.Return(pooled);
            }
        }
    }

    /// <summary>
    /// Called once the exchange is over, whether or not the body was sent: reads on into the record
    /// until the source ends or the record is full, then disposes the source and its owner.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_ended && Volatile.Read(ref _failed) == 0)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
                try
                {
                    var reachedEnd = false;
                    while (Size < recordLimit && !reachedEnd)
                    {
                        var read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                        reachedEnd = read == 0;
                        _record.Append(buffer.AsSpan(0, read));
                    }

                    // Full before the end: the rest is nobody's, so the upstream is let go of (disposing
                    // its stream cancels it) and the record says it was cut short.
                    CutShort = !reachedEnd;
                    End();
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
        {
            // The upstream broke off or the server is shutting down: the record stays incomplete
            // (onEnd never runs, so it is not recorded as if whole).
        }
        finally
        {
            await DisposeSourceAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Lets go of a body that will never be sent nor recorded (its exchange failed before the response
    /// was handed to a session): disposes the source and its owner without reading.
    /// </summary>
    public async Task AbandonAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await DisposeSourceAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<int> ReadSourceAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw Fail($"Reading the upstream body failed after {Size} bytes: {e.Message}", e);
        }
    }

    private UpstreamBodyException Fail(string message, Exception? inner = null)
    {
        var failure = new UpstreamBodyException(message, inner);
        if (Interlocked.Exchange(ref _failed, 1) == 0)
        {
            onFailed?.Invoke(failure);
        }

        return failure;
    }

    private async Task DisposeSourceAsync()
    {
        await content.DisposeAsync().ConfigureAwait(false);
        owner?.Dispose();
    }

    private void End()
    {
        if (!_ended)
        {
            _ended = true;
            onEnd?.Invoke(this);
        }
    }
}
