using System.Net;

namespace MockKit.Client.Connections;

/// <summary>
/// The content of a streamed response: <see cref="HttpContent.ReadAsStreamAsync()"/> hands out the
/// body stream itself. <see cref="StreamContent"/> would wrap it in one more read-only stream per
/// call and keep a copy buffer size and position bookkeeping a live network body never uses;
/// SocketsHttpHandler's own response content does the same as this one.
/// </summary>
/// <remarks>
/// Like <see cref="StreamContent"/> over a non-seekable stream, the body can be consumed once:
/// serializing it a second time throws <see cref="InvalidOperationException"/>. Disposing the content
/// disposes the body, which releases (or discards and releases) the exchange.
/// </remarks>
internal sealed class StreamingResponseContent(Stream body) : HttpContent
{
    private int _consumed;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        MarkConsumed();
        return body.CopyToAsync(stream, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false; // A live body: its length is known only from Content-Length, which the headers already carry.
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(body);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult(body);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => body;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
        }

        base.Dispose(disposing);
    }

    private void MarkConsumed()
    {
        if (Interlocked.Exchange(ref _consumed, 1) != 0)
        {
            throw new InvalidOperationException("The response body was already consumed; it cannot be read again.");
        }
    }
}
