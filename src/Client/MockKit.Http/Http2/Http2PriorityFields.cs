namespace MockKit.Http2;

/// <summary>
/// The deprecated priority fields of PRIORITY frames and of HEADERS frames with the
/// PRIORITY flag (RFC 9113 sections 5.3.2, 6.3; RFC 7540 section 5.3):
/// <code>
/// Exclusive (1),
/// Stream Dependency (31),
/// Weight (8),
/// </code>
/// </summary>
/// <param name="StreamDependency">The stream this one depends on (0 for the root).</param>
/// <param name="Exclusive">The E bit.</param>
/// <param name="Weight">The weight 1..256 (the wire carries weight - 1).</param>
public readonly record struct Http2PriorityFields(int StreamDependency, bool Exclusive, int Weight)
{
    /// <summary>Size of the fields on the wire.</summary>
    public const int Size = 5;

    /// <summary>The default priority (section 5.3.5 of RFC 7540): root, non-exclusive, weight 16.</summary>
    public static Http2PriorityFields Default => new(0, false, 16);
}
