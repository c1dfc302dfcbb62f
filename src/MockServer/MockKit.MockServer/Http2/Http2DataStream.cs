using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The bottom of the response body decorator stack on HTTP/2: writes become DATA frames on one
/// stream (flow control respected, never END_STREAM), flushes wait for the writer loop.
/// </summary>
internal sealed class Http2DataStream(Http2ServerSession session, Http2ServerStream stream) : WriteOnlyStream
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await session.WriteDataAsync(stream, buffer, endStream: false, cancellationToken).ConfigureAwait(false);

    public override Task FlushAsync(CancellationToken cancellationToken) => session.FlushForStreamAsync(cancellationToken);
}
