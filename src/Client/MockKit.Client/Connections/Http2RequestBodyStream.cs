using MockKit.Http2.Connection;
using MockKit.Transport;

namespace MockKit.Client.Connections;

/// <summary>
/// The write side of a request body on an HTTP/2 stream: the core's DATA writer
/// (<see cref="Http2DataWriteStream"/>: frames no larger than the server's SETTINGS_MAX_FRAME_SIZE,
/// each waiting for stream and connection credit, RFC 9113 section 6.9, so a large upload paces
/// itself to the server's WINDOW_UPDATEs) under the client's write timeout.
/// </summary>
/// <remarks>
/// Waiting for credit is this protocol's "socket write": each write obeys
/// <see cref="InstrumentedHandler.WriteTimeout"/> on the handler's <see cref="TimeProvider"/>, so a
/// peer that never grants window fails the upload instead of holding the stream (and a connection
/// slot) forever. The exchange token (call cancellation, a reset or closed connection) ends the
/// wait as well. One writer at a time.
/// </remarks>
internal sealed class Http2RequestBodyStream(Http2Connection connection, Http2ClientStream stream) : ProtocolStream
{
    private readonly Http2DataWriteStream _data = connection.DataWriter(stream);
    private CancellationTokenSource? _writeTimeout;

    public long BytesWritten => _data.BytesWritten;

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var exchange = stream.Exchange;
        var timeout = exchange.Settings.WriteTimeout;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            await _data.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // One timer per upload, re-armed per write; the caller's token cancels it too.
            _writeTimeout ??= new CancellationTokenSource(Timeout.InfiniteTimeSpan, exchange.Settings.TimeProvider);
            _writeTimeout.CancelAfter(timeout);
            using var link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _writeTimeout);
            try
            {
                await _data.WriteAsync(buffer, _writeTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && _writeTimeout.IsCancellationRequested)
            {
                throw new ExchangeException(
                    $"The write timed out after {timeout.TotalSeconds:0.###} s on {connection.Route} while writing the request body: the server granted no flow-control window (RFC 9113 section 6.9).",
                    new TimeoutException($"write timeout ({timeout})", e),
                    HttpRequestError.Unknown,
                    beforeResponseBytes: false);
            }
            finally
            {
                if (!_writeTimeout.IsCancellationRequested)
                {
                    _writeTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    protected override string AsyncOnlyMessage => "The request body is written asynchronously.";

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _writeTimeout?.Dispose();
        }

        base.Dispose(disposing);
    }
}
