namespace MockKit.Client.Connections;

/// <summary>
/// An HTTP/1.1 connection after <c>101 Switching Protocols</c>: the raw bytes of the new protocol
/// (a WebSocket) both ways. Reads serve what was buffered behind the 101 head first, then the
/// transport; writes go straight to the transport.
/// </summary>
/// <remarks>
/// <para>No read timeout: a WebSocket may sit idle for as long as its endpoints like (its own
/// keep-alive PINGs are the WebSocket's business, RFC 6455 section 5.5.2), and neither the token
/// given to <c>SendAsync</c> nor <see cref="InstrumentedHandler.CallTimeout"/> reaches past the
/// upgrade (<see cref="Exchange.DetachFromCallToken"/>). Each write still obeys
/// <see cref="InstrumentedHandler.WriteTimeout"/>; a canceled read or write aborts the connection.</para>
/// <para>The exchange, and with it the call (CallEnd), ends when this stream is disposed: the
/// WebSocket closed or was aborted. The connection is then closed; it left the pool at the upgrade
/// (<see cref="ConnectionPool.Detach"/>). A stream collected without being disposed reports the leak
/// through the pool's log, as response bodies do.</para>
/// <para>One reader and one writer may run at once (the WebSocket's receive and send loops).</para>
/// </remarks>
internal sealed class Http1UpgradedStream : DuplexResponseStream
{
    private readonly Http1Connection _connection;
    private readonly Exchange _exchange;

    public Http1UpgradedStream(Http1Connection connection, Exchange exchange)
        : base("upgraded connection")
    {
        _connection = connection;
        _exchange = exchange;
    }

    protected override Exchange Exchange => _exchange;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        OnReadStarting();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var buffered = _connection.Buffered;
        if (!buffered.IsEmpty)
        {
            var count = Math.Min(buffered.Length, buffer.Length);
            buffered.Span[..count].CopyTo(buffer.Span);
            _connection.Consume(count);
            OnRead(count);
            return count;
        }

        // A canceled read leaves a frame half-read: the connection cannot go on, so cancelling aborts it.
        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), _exchange);
        try
        {
            var read = await _connection.ReadTransportAsync(buffer, _exchange, armReadTimeout: false).ConfigureAwait(false);
            OnRead(read);
            return read;
        }
        catch (Exception e)
        {
            throw Map(e, "reading from the upgraded connection", cancellationToken);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFinished();
        using var registration = cancellationToken.UnsafeRegister(static s => ((Exchange)s!).AbortByReader(), _exchange);
        try
        {
            await _connection.WriteAsync(buffer, _exchange).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "writing to the upgraded connection", cancellationToken);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        try
        {
            await _connection.FlushAsync(_exchange).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Map(e, "flushing the upgraded connection", cancellationToken);
        }
    }

    // Never reusable: the connection speaks another protocol now. Completed: the upgrade succeeded
    // and the new protocol ran to its end (or was abandoned by its owner, which is its right).
    protected override void OnFinished() => _exchange.Release(reusable: false, completed: true);
}
