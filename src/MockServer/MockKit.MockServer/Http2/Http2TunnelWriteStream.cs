using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The write side a WebSocket or duplex handler gets on an HTTP/2 stream: each write is copied
/// (queued DATA frames reference their bytes until the writer loop sends them, and the runtime's
/// WebSocket reuses its buffer as soon as a write returns), then flushed, so a message is on the
/// wire when the handler's send completes.
/// </summary>
internal sealed class Http2TunnelWriteStream(Stream inner) : WriteOnlyStream
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        await inner.WriteAsync(buffer.ToArray(), cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
