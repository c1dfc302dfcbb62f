namespace MockKit.Http2.Hpack;

/// <summary>
/// One header field as HPACK sees it (RFC 7541 section 1.3).
/// </summary>
/// <remarks>
/// HPACK names and values are octet strings. Here they are .NET strings holding one octet per
/// char (Latin-1, chars 0x00..0xFF), so sizes in chars are sizes in octets, the tables can
/// compare strings directly and nothing is lost in either direction. A caller that wants UTF-8
/// values converts with <c>Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(value))</c> and back.
/// </remarks>
/// <param name="Name">The field name (HTTP/2 requires lowercase; the codec does not enforce it).</param>
/// <param name="Value">The field value.</param>
/// <param name="NeverIndexed">
/// Decoding: the field arrived as a never-indexed literal (section 6.2.3) and must be forwarded the
/// same way. Encoding: ask for a never-indexed literal regardless of the sensitivity rule.
/// </param>
public readonly record struct HpackHeaderField(string Name, string Value, bool NeverIndexed = false)
{
    /// <summary>Per-entry overhead added to name and value lengths (RFC 7541 section 4.1).</summary>
    public const int EntryOverhead = 32;

    /// <summary>The entry size: name octets + value octets + 32 (RFC 7541 section 4.1; RFC 9113 section 6.5.2).</summary>
    public int Size => Name.Length + Value.Length + EntryOverhead;

    /// <inheritdoc/>
    public override string ToString() => NeverIndexed ? $"{Name}: {Value} (never indexed)" : $"{Name}: {Value}";
}
