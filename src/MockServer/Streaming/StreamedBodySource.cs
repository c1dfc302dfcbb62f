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
/// <para>When the source reaches its end, <c>onEnd</c> runs once, before the writer sends the end
/// of the body, so trailers it fills in (the upstream's arrive only after its body) go out after
/// the body. When the exchange stops early (a socket policy, the client gone), <see cref="ReleaseAsync"/>
/// reads the rest of the source into the record (bounded by the limit) so the record still shows
/// the whole upstream response, then runs <c>onEnd</c>.</para>
/// <para>Thread-safety: one writer reads it at a time; <see cref="Take"/> and <see cref="ReleaseAsync"/>
/// may race with each other and are safe to call more than once.</para>
/// </remarks>
internal sealed class StreamedBodySource(Stream content, long? length, IDisposable? owner, long recordLimit, Action<StreamedBodySource>? onEnd)
{
    private const int ReadSize = 16 * 1024;

    private readonly BodyRecorder _record = new(recordLimit);
    private int _taken;
    private int _released;
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
    public async Task CopyToAsync(Stream sink, bool freshBuffers, CancellationToken cancellationToken)
    {
        var pooled = freshBuffers ? null : ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            while (true)
            {
                var buffer = pooled ?? new byte[ReadSize];
                var read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    End();
                    return;
                }

                _record.Append(buffer.AsSpan(0, read));
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
    /// Called once the exchange is over, whether or not the body was sent: reads what is left into
    /// the record (never more than the limit is kept), then disposes the source and its owner.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_ended)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
                try
                {
                    int read;
                    while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        _record.Append(buffer.AsSpan(0, read));
                    }

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
            await content.DisposeAsync().ConfigureAwait(false);
            owner?.Dispose();
        }
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
