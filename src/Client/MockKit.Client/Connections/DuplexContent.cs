using System.Net;

namespace MockKit.Client.Connections;

/// <summary>
/// The content of a response whose body is a two-way stream: an HTTP/1.1 connection after
/// 101 Switching Protocols, or an HTTP/2 extended CONNECT stream (RFC 8441). Unlike
/// <see cref="StreamContent"/>, which hands out a read-only wrapper, reading it as a stream returns
/// the stream itself, readable and writable, as the runtime's <c>ClientWebSocket</c> expects
/// (it calls <see cref="HttpContent.ReadAsStream()"/> and writes its frames to the result).
/// Disposing the content disposes the stream, which ends the exchange.
/// </summary>
internal sealed class DuplexContent(Stream stream) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream target, TransportContext? context) => stream.CopyToAsync(target);

    protected override Task SerializeToStreamAsync(Stream target, TransportContext? context, CancellationToken cancellationToken) =>
        stream.CopyToAsync(target, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => stream;

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(stream);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult(stream);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            stream.Dispose();
        }

        base.Dispose(disposing);
    }
}
