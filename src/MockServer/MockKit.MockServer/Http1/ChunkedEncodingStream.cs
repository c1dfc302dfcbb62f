using System.Buffers;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http1;

/// <summary>
/// A write-side decorator that frames body bytes as chunks of at most <c>chunkSize</c>
/// bytes (RFC 9112 section 7.1); <see cref="CompleteAsync"/> writes the last chunk and trailers.
/// </summary>
internal sealed class ChunkedEncodingStream(Stream inner, int chunkSize) : WriteOnlyStream
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var frame = new PooledBufferWriter(Math.Min(buffer.Length, chunkSize) + 32);
        while (!buffer.IsEmpty)
        {
            var slice = buffer[..Math.Min(buffer.Length, chunkSize)];
            frame.Clear();
            Http1Writer.WriteChunkHeader(frame, slice.Length);
            frame.Write(slice.Span);
            frame.Write("\r\n"u8);
            await inner.WriteAsync(frame.WrittenMemory, cancellationToken).ConfigureAwait(false);
            buffer = buffer[slice.Length..];
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    /// <summary>Writes the last chunk and the trailer section.</summary>
    public async ValueTask CompleteAsync(IEnumerable<KeyValuePair<string, string>> trailers, CancellationToken cancellationToken)
    {
        using var frame = new PooledBufferWriter(64);
        Http1Writer.WriteLastChunk(frame, trailers);
        await inner.WriteAsync(frame.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }
}
