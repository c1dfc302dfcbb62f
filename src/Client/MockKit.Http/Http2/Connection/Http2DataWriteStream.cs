using MockKit.Transport;

namespace MockKit.Http2.Connection;

/// <summary>
/// The write side of one HTTP/2 stream as a <see cref="Stream"/>, for both roles (a request body, a
/// response body, either half of a tunnel): each write becomes DATA frames through
/// <see cref="Http2ConnectionCore.WriteDataAsync"/>, so no larger than the peer's
/// SETTINGS_MAX_FRAME_SIZE and each within stream and connection credit (RFC 9113 sections 4.2,
/// 5.2). Never END_STREAM: the owner ends the stream when the body ends (with trailers, or an
/// empty DATA frame).
/// </summary>
/// <remarks>
/// A write returns once its frames are queued, and queued frames refer to the bytes until the
/// writer loop has written them: a caller that reuses its buffer as soon as a write returns (an
/// HttpContent copying into the request body, the runtime's WebSocket) needs
/// <see cref="CopiesWrites"/>. Waits for credit end with the write's token; a role that bounds them
/// (the client's write timeout) links its own token in. One writer at a time.
/// </remarks>
/// <param name="core">The stream's connection.</param>
/// <param name="stream">An open stream (its send window exists).</param>
public sealed class Http2DataWriteStream(Http2ConnectionCore core, IHttp2Stream stream) : ProtocolStream
{
    /// <summary>Copies each write before it is queued (the caller may reuse its buffer once the write returns).</summary>
    public bool CopiesWrites { get; init; }

    /// <summary>Each write waits until its frames are flushed (a message is on the wire when its send completes).</summary>
    public bool FlushesEachWrite { get; init; }

    /// <summary>
    /// <see cref="FlushAsync(CancellationToken)"/> waits for the writer loop to write and flush everything queued
    /// before it; false makes it return at once (the writer flushes whenever its queue runs empty).
    /// </summary>
    public bool FlushWaitsForWriter { get; init; } = true;

    /// <summary>What a synchronous write is told (null: the default of <see cref="ProtocolStream"/>).</summary>
    public string? SynchronousWriteMessage { get; init; }

    /// <summary>The body bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    protected override string AsyncOnlyMessage => SynchronousWriteMessage ?? base.AsyncOnlyMessage;

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        await core.WriteDataAsync(stream, CopiesWrites ? buffer.ToArray() : buffer, endStream: false, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
        if (FlushesEachWrite)
        {
            await core.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        FlushWaitsForWriter ? core.FlushAsync(cancellationToken) : Task.CompletedTask;
}
