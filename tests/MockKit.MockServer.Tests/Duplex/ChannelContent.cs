using System.Net;
using System.Text;
using System.Threading.Channels;

namespace MockKit.MockServer.Tests.Duplex;

/// <summary>
/// A request body the test writes piece by piece while the exchange runs (flushed after each piece).
/// A custom <see cref="HttpContent"/> is what lets SocketsHttpHandler return the HTTP/2 response before
/// the request content ended (its buffered contents, e.g. ByteArrayContent, are sent whole first).
/// </summary>
internal sealed class ChannelContent : HttpContent
{
    private readonly Channel<byte[]> _pieces = Channel.CreateUnbounded<byte[]>();

    public void Send(string piece) => _pieces.Writer.TryWrite(Encoding.UTF8.GetBytes(piece));

    public void Send(byte[] piece) => _pieces.Writer.TryWrite(piece);

    public void End() => _pieces.Writer.TryComplete();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler's HTTP/2 may keep a duplex request's HEADERS in its write buffer until
        // something flushes it (dotnet/runtime#96223): a request whose first piece waits for the
        // response would then never reach the server. Flushing first sends them, as YARP does.
        await stream.FlushAsync(cancellationToken);
        await foreach (var piece in _pieces.Reader.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(piece, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
