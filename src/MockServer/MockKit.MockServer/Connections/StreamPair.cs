using MockKit.Transport;

namespace MockKit.MockServer.Connections;

/// <summary>
/// One two-way stream made of a read side and a write side: what a protocol switch on a live
/// connection hands on — the transport beneath a TLS handshake after
/// <see cref="SocketPolicy.UpgradeToSslAtEnd"/> (reads drain what the HTTP/1 reader already
/// buffered, writes go to the socket), and the stream a WebSocket or an HTTP/2 tunnel runs over.
/// Not related to <see cref="MockResponse.DuplexHandler"/>, which is handed two separate streams.
/// Synchronous calls pass through, since it adapts real streams (e.g. for <see cref="System.Net.Security.SslStream"/>).
/// </summary>
internal sealed class StreamPair(Stream readFrom, Stream writeTo) : ProtocolStream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => readFrom.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        readFrom.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => writeTo.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        writeTo.WriteAsync(buffer, cancellationToken);

    public override void Flush() => writeTo.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => writeTo.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            readFrom.Dispose();
            writeTo.Dispose();
        }

        base.Dispose(disposing);
    }
}
