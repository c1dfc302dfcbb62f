namespace MockKit.Client.Connections;

/// <summary>
/// The write side of a request body on an HTTP/2 stream: each write becomes DATA frames no larger
/// than the server's SETTINGS_MAX_FRAME_SIZE, each waiting for stream and connection credit
/// (RFC 9113 section 6.9), so a large upload paces itself to the server's WINDOW_UPDATEs.
/// </summary>
internal sealed class Http2RequestBodyStream(Http2Connection connection, Http2ClientStream stream) : Stream
{
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await connection.WriteBodyAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The request body is written asynchronously.");

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
