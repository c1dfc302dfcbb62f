namespace MockKit.Transport;

/// <summary>
/// The one base of the streams both ends hand out or stack (request and response bodies, duplex
/// tunnels, the server's write-side decorators, the transport beneath a TLS upgrade): a byte
/// stream of a protocol exchange, so never seekable and of no known length, and asynchronous.
/// </summary>
/// <remarks>
/// Subclasses override <see cref="Stream.CanRead"/>, <see cref="Stream.CanWrite"/> and the <see cref="Memory{T}"/>
/// overloads of <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> /
/// <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>; the array overloads forward to
/// those (the runtime's default goes the other way round, so a subclass that overrides only the
/// <see cref="Memory{T}"/> overload would otherwise recurse). Synchronous reads and writes throw
/// <see cref="NotSupportedException"/>: nothing in MockKit blocks a thread on a socket, and a caller
/// that tries learns why instead of deadlocking a test. A subclass that can pass synchronous calls
/// through (an adapter over real streams) overrides them.
/// </remarks>
public abstract class ProtocolStream : Stream
{
    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>What a synchronous call is told (e.g. which asynchronous methods to use instead).</summary>
    protected virtual string AsyncOnlyMessage => $"{GetType().Name} is read and written asynchronously only.";

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} is not readable.");

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} is not writable.");

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException(AsyncOnlyMessage);

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException(AsyncOnlyMessage);

    /// <summary>Nothing to do: these streams hold no bytes back from a synchronous flush (writers that buffer override <see cref="Stream.FlushAsync(CancellationToken)"/>).</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
}
