namespace MockKit.Http2;

/// <summary>
/// One entry of a SETTINGS payload (RFC 9113 section 6.5.1):
/// <code>
/// Setting {
///   Identifier (16),
///   Value (32),
/// }
/// </code>
/// Kept raw (any identifier, any value) so test peers can also send illegal settings.
/// </summary>
/// <param name="Id">The identifier; values outside <see cref="Http2SettingId"/> are extensions.</param>
/// <param name="Value">The 32-bit value.</param>
public readonly record struct Http2Setting(Http2SettingId Id, uint Value)
{
    /// <summary>Size of one entry on the wire.</summary>
    public const int Size = 6;
}
