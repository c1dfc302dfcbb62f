using MockKit.Transport;

namespace MockKit.MockServer.Policies;

/// <summary>
/// Base for the small write-side decorators the server stacks between a response body and
/// the socket (trigger, chunk framing, throttle). Only async writes are supported: the
/// server never writes synchronously.
/// </summary>
internal abstract class WriteOnlyStream : ProtocolStream
{
    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override void Flush() => throw new NotSupportedException("The server writes asynchronously only.");

    protected override string AsyncOnlyMessage => "The server writes asynchronously only.";

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    public abstract override Task FlushAsync(CancellationToken cancellationToken);
}
