using MockKit.Http2.Connection;

namespace MockKit.Client.Connections;

/// <summary>
/// Both directions of an HTTP/2 extended CONNECT stream (RFC 8441 section 5): reads return the
/// server's DATA, writes become our DATA on the same stream. Flow control runs both ways as for any
/// stream (RFC 9113 section 5.2): a read returns credit for what it consumed
/// (<see cref="Http2Connection.OnConsumed"/>), a write waits for stream then connection credit.
/// </summary>
/// <remarks>
/// <para>No read timeout (a WebSocket may be idle for as long as its endpoints like), and the call's
/// token and <see cref="InstrumentedHandler.CallTimeout"/> stop at the 2xx
/// (<see cref="Exchange.DetachFromCallToken"/>); each write obeys
/// <see cref="InstrumentedHandler.WriteTimeout"/> while it waits for credit.</para>
/// <para>The exchange (one active stream of the pooled connection) and the call end when this
/// stream is disposed: our side ends with END_STREAM when the server's side has ended, otherwise the
/// stream is reset with CANCEL; the connection stays in the pool for other exchanges. A stream
/// collected without being disposed reports the leak through the pool's log.</para>
/// <para>One reader and one writer may run at once.</para>
/// </remarks>
internal sealed class Http2DuplexStream : DuplexResponseStream
{
    private readonly Http2Connection _connection;
    private readonly Http2ClientStream _stream;
    private readonly Http2DataWriteStream _writer;
    private readonly CancellationTokenRegistration _registration;

    public Http2DuplexStream(Http2Connection connection, Http2ClientStream stream, CancellationTokenRegistration registration)
        : base("extended CONNECT stream")
    {
        _connection = connection;
        _stream = stream;
        _writer = connection.DataWriter(stream);
        _registration = registration;
    }

    protected override Exchange Exchange => _stream.Exchange;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        OnReadStarting();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), Exchange);
        int read;
        try
        {
            read = await _stream.Body.ReadAsync(buffer, Exchange.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "reading the extended CONNECT stream", cancellationToken);
        }

        if (read > 0)
        {
            OnRead(read);
            _connection.OnConsumed(_stream, read);
        }

        return read; // 0: the server ended its side (END_STREAM); ours stays open until disposed.
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), Exchange);
        Exchange.Arm(Exchange.Settings.WriteTimeout, "write"); // Waiting for credit is this protocol's write.
        try
        {
            await _writer.WriteAsync(buffer, Exchange.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "writing the extended CONNECT stream", cancellationToken);
        }
        finally
        {
            Exchange.Disarm();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // The writer loop flushes.

    protected override void OnFinished()
    {
        _registration.Dispose();

        // The server ended its side and we read it all: end ours with END_STREAM (RFC 9113 section 8.1),
        // which closes the stream. Otherwise abandon both sides at once with RST_STREAM(CANCEL) (section
        // 8.7), which also frees the credit of anything still buffered; an END_STREAM queued before it
        // would be dropped by the writer anyway once the reset closed the stream.
        var completed = _stream.Body.IsDrained;
        if (completed)
        {
            _connection.QueueEndStream(_stream);
        }
        else
        {
            _connection.Cancel(_stream);
        }

        Exchange.Release(reusable: true, completed: completed);
    }
}
