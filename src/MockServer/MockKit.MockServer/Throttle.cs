namespace MockKit.MockServer;

/// <summary>
/// Paces a response body: at most <see cref="BytesPerPeriod"/> bytes are written, then the
/// server waits <see cref="Period"/> (on the server's <see cref="TimeProvider"/>) before the next slice.
/// </summary>
public sealed record Throttle
{
    /// <summary>Creates a throttle.</summary>
    /// <param name="bytesPerPeriod">Bytes per slice; at least 1.</param>
    /// <param name="period">Pause after each slice; zero or more.</param>
    public Throttle(long bytesPerPeriod, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerPeriod, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        BytesPerPeriod = bytesPerPeriod;
        Period = period;
    }

    /// <summary>Bytes written per slice.</summary>
    public long BytesPerPeriod { get; }

    /// <summary>The pause after each slice.</summary>
    public TimeSpan Period { get; }
}
