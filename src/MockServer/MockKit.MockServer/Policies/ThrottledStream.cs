namespace MockKit.MockServer.Policies;

/// <summary>
/// A write-side decorator that paces bytes: <see cref="Throttle.BytesPerPeriod"/> bytes, a
/// flush, then a pause of <see cref="Throttle.Period"/> on the server's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ThrottledStream(Stream inner, Throttle throttle, TimeProvider time) : WriteOnlyStream
{
    private long _inPeriod;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_inPeriod == throttle.BytesPerPeriod)
            {
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(throttle.Period, time, cancellationToken).ConfigureAwait(false);
                _inPeriod = 0;
            }

            var slice = (int)Math.Min(buffer.Length, throttle.BytesPerPeriod - _inPeriod);
            await inner.WriteAsync(buffer[..slice], cancellationToken).ConfigureAwait(false);
            _inPeriod += slice;
            buffer = buffer[slice..];
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
