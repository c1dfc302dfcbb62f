using MockKit.Transport;

namespace MockKit.Client.Connections;

/// <summary>
/// A response body streamed off an HTTP/2 stream. Every read returns credit for the bytes it
/// consumed (<see cref="Http2Connection.OnConsumed"/>), so the server's window for this stream
/// refills only as fast as the application reads (RFC 9113 section 5.2). Trailers go to
/// <see cref="HttpResponseMessage.TrailingHeaders"/> before the end is reported.
/// </summary>
/// <remarks>
/// The exchange (one of the connection's allocation slots) is released when the body ends or the
/// stream is disposed; disposing early resets the stream with CANCEL and leaves the connection
/// reusable. Leak detection as on HTTP/1: a body collected without being read to the end or
/// disposed reports the leak through the pool's log and frees its stream. One reader at a time.
/// </remarks>
internal sealed class Http2ResponseStream : ProtocolStream, IResponseBody
{
    private readonly Http2Connection _connection;
    private readonly Http2ClientStream _stream;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenRegistration _registration;
    private long _bytesRead; // Body bytes off the stream: read by the caller, or drained for it once the body ended.
    private bool _started;
    private int _finished;

    public Http2ResponseStream(Http2Connection connection, Http2ClientStream stream, HttpResponseMessage response, CancellationTokenRegistration registration)
    {
        _connection = connection;
        _stream = stream;
        _response = response;
        _registration = registration;
    }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    ~Http2ResponseStream() => Dispose(false);

    private Exchange Exchange => _stream.Exchange;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _finished) != 0)
        {
            return 0;
        }

        if (!_started)
        {
            _started = true;
            Exchange.Listener.OnResponseBodyStart(Exchange.CallId);
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var readerRegistration = cancellationToken.CanBeCanceled && cancellationToken != Exchange.CallToken
            ? cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), Exchange)
            : default;
        int read;
        Exchange.Arm(Exchange.Settings.ReadTimeout, "read");
        try
        {
            read = await _stream.Body.ReadAsync(buffer, Exchange.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var mapped = Exchange.MapFailure(e, "reading the response body", cancellationToken);
            Finish(completed: false);
            if (mapped is OperationCanceledException)
            {
                throw mapped;
            }

            if (mapped is Http2StreamResetException reset)
            {
                // As SocketsHttpHandler reports a reset stream: HttpProtocolException carries the RFC 9113
                // error code, which callers such as Grpc.Net.Client map to their own status (gRPC's
                // PROTOCOL-HTTP2: CANCEL → CANCELLED, INTERNAL_ERROR → INTERNAL, ...).
                throw new HttpProtocolException((long)reset.ErrorCode, mapped.Message, mapped);
            }

            throw new HttpIOException(Exchange.BodyReadError(mapped), mapped.Message, mapped);
        }
        finally
        {
            Exchange.Disarm();
        }

        if (read == 0)
        {
            if (_stream.Trailers is { } trailers)
            {
                foreach (var field in trailers)
                {
                    _response.TrailingHeaders.TryAddWithoutValidation(field.Name, field.Value);
                }
            }

            Finish(completed: true);
            return 0;
        }

        _bytesRead += read;
        _connection.OnConsumed(_stream, read);
        return read;
    }

    protected override string AsyncOnlyMessage => "This response body is read asynchronously (ReadAsync, CopyToAsync, ReadAsStringAsync).";

    /// <summary>Before a follow-up: an ended body completes the exchange; otherwise the stream is reset (the connection stays usable).</summary>
    public Task DiscardAsync()
    {
        Finish(completed: DrainEnded());
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            if (Volatile.Read(ref _finished) == 0 && !Exchange.IsReleased)
            {
                Exchange.Pool.WriteLog($"A connection to {_connection.Route.Origin}/ was leaked. Did you forget to dispose the response?");
                Finish(completed: false);
            }
        }
        else
        {
            // A body that already ended (e.g. 204, or END_STREAM with bytes left unread) completed normally.
            Finish(completed: DrainEnded());
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Whether the body arrived whole (END_STREAM): then what is left unread is dropped and counted in the
    /// bytes <c>ResponseBodyEnd</c> reports, and its connection window credit goes back at once.
    /// </summary>
    private bool DrainEnded()
    {
        if (Volatile.Read(ref _finished) != 0)
        {
            return false; // Finish ignores it.
        }

        var dropped = _stream.Body.DrainEnded();
        if (dropped <= 0)
        {
            return dropped == 0;
        }

        if (!_started)
        {
            _started = true;
            Exchange.Listener.OnResponseBodyStart(Exchange.CallId);
        }

        _bytesRead += dropped;
        _connection.OnConsumed(_stream, dropped);
        return true;
    }

    /// <summary>Ends the body once: a body not read to its end resets the stream (CANCEL); the connection stays usable.</summary>
    private void Finish(bool completed)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

#pragma warning disable CA1816 // The finalizer exists only for leak detection, which ends here.
        GC.SuppressFinalize(this);
#pragma warning restore CA1816
        _registration.Dispose();
        if (!completed)
        {
            _connection.Cancel(_stream);
        }
        else
        {
            Exchange.Listener.OnResponseBodyEnd(Exchange.CallId, _bytesRead);
        }

        Exchange.Release(reusable: true, completed: completed);
    }
}
