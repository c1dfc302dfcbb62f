using System.Buffers;
using System.Globalization;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.Transport;

namespace MockKit.Client.Connections;

/// <summary>
/// The write-only stream a request's <see cref="HttpContent"/> copies itself into: with a known
/// length it writes through and checks the count; otherwise each write becomes one chunk
/// (RFC 9112 section 7.1) and <see cref="CompleteAsync"/> writes the last chunk. Async only.
/// </summary>
internal sealed class Http1RequestBodyStream(Http1Connection connection, Exchange exchange, long? contentLength) : ProtocolStream
{
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        BytesWritten += buffer.Length;
        if (contentLength is { } length)
        {
            if (BytesWritten > length)
            {
                throw new HttpRequestException($"The request content is longer than its Content-Length of {length.ToString(CultureInfo.InvariantCulture)} bytes.");
            }

            await connection.WriteAsync(buffer, exchange).ConfigureAwait(false);
            return;
        }

        using var frame = new PooledBufferWriter(buffer.Length + 16);
        Http1Writer.WriteChunkHeader(frame, buffer.Length);
        frame.Write(buffer.Span);
        frame.Write("\r\n"u8);
        await connection.WriteAsync(frame.WrittenMemory, exchange).ConfigureAwait(false);
    }

    /// <summary>Ends the body: checks the length, or writes the last chunk; then flushes.</summary>
    public async ValueTask CompleteAsync()
    {
        if (contentLength is { } length)
        {
            if (BytesWritten != length)
            {
                throw new HttpRequestException($"The request content ended after {BytesWritten.ToString(CultureInfo.InvariantCulture)} of its Content-Length of {length.ToString(CultureInfo.InvariantCulture)} bytes.");
            }
        }
        else
        {
            using var last = new PooledBufferWriter(8);
            Http1Writer.WriteLastChunk(last, []);
            await connection.WriteAsync(last.WrittenMemory, exchange).ConfigureAwait(false);
        }

        await connection.FlushAsync(exchange).ConfigureAwait(false);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override string AsyncOnlyMessage => "The request body is written asynchronously; HttpContent.CopyToAsync never writes synchronously here.";
}
