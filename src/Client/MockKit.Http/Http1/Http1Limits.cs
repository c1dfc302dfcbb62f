namespace MockKit.Http1;

/// <summary>
/// Size limits for one HTTP/1 message head. A head that grows past a limit is refused
/// with 431 (RFC 6585 section 5) instead of buffering without bound.
/// </summary>
/// <param name="MaxHeadBytes">Bytes of the start line plus all field lines plus the blank line.</param>
/// <param name="MaxHeaderCount">Number of field lines.</param>
/// <param name="MaxStartLineBytes">Bytes of the request or status line alone.</param>
public readonly record struct Http1Limits(int MaxHeadBytes, int MaxHeaderCount, int MaxStartLineBytes)
{
    /// <summary>Defaults in the spirit of Kestrel's: 64 KiB head, 200 fields, 16 KiB start line.</summary>
    public static Http1Limits Default { get; } = new(64 * 1024, 200, 16 * 1024);
}
