namespace MockKit.MockServer.Policies;

/// <summary>
/// A write-side decorator that lets exactly <c>afterBytes</c> body bytes through, flushes
/// them, then applies an effect (the <see cref="MockResponse.OnResponseBody"/> trigger).
/// If the effect ends the exchange, the write throws <see cref="ExchangeTerminatedException"/>.
/// A negative <c>afterBytes</c> (half of a streamed body of unknown length, which is unknowable)
/// lets the first write through whole and fires after it.
/// </summary>
internal sealed class ResponseBodyTriggerStream(
    Stream inner, long afterBytes, SocketEffect effect, ISocketEffectTarget target, CancellationToken stallToken)
    : WriteOnlyStream
{
    private long _written;
    private bool _fired;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_fired)
        {
            if (afterBytes < 0)
            {
                afterBytes = buffer.Length;
            }

            var allowed = (int)Math.Min(buffer.Length, afterBytes - _written);
            if (allowed > 0)
            {
                await inner.WriteAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false);
                _written += allowed;
                buffer = buffer[allowed..];
            }

            if (_written < afterBytes)
            {
                return;
            }

            await FireAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!buffer.IsEmpty)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Fires when the body was shorter than the threshold (or empty): at the end of the body.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_fired)
        {
            await FireAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    private async ValueTask FireAsync(CancellationToken cancellationToken)
    {
        _fired = true;
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (await effect.ApplyAsync(target, stallToken).ConfigureAwait(false))
        {
            throw new ExchangeTerminatedException($"OnResponseBody: {effect} after {_written} body bytes.");
        }
    }
}
