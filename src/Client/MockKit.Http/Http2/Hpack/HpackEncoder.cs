using System.Buffers;
using System.Diagnostics;

namespace MockKit.Http2.Hpack;

/// <summary>
/// Stateful HPACK encoder (RFC 7541): one per connection direction; blocks must be sent in the
/// order they are encoded.
/// </summary>
/// <remarks>
/// <para>Choices, per field: an exact static or dynamic match is sent indexed (section 6.1);
/// sensitive fields (below) are sent as never-indexed literals (section 6.2.3); other fields are
/// literals with incremental indexing (section 6.2.1) when <see cref="UseIndexing"/> is on and the
/// entry fits the table, else literals without indexing (section 6.2.2). Literal names reference
/// the lowest matching static index, else the newest dynamic one. A string is Huffman-coded when
/// <see cref="UseHuffman"/> is on and the code is not longer than the raw octets (ties go to
/// Huffman, as in the RFC 7541 Appendix C.6 examples, e.g. "307").</para>
/// <para>Sensitive-field rule (section 7.1.3): <c>authorization</c> and <c>proxy-authorization</c>
/// always, and <c>cookie</c>/<c>set-cookie</c> whose value is shorter than 20 octets (short values
/// are cheap to guess by probing the table), plus any field with
/// <see cref="HpackHeaderField.NeverIndexed"/> set. <see cref="NeverIndexSensitiveFields"/> turns
/// the name rule off (the explicit flag always wins).</para>
/// <para>Table size: the encoder uses min(its own <c>maxTableSize</c>, the peer's
/// SETTINGS_HEADER_TABLE_SIZE). Using less than the decoder allows is safe (the decoder only keeps
/// extra old entries that are never referenced), so no update is sent at start. When the size in
/// use changes, the next block starts with a size update (section 4.2): the smallest size reached
/// in between first if it was lower, then the final one (section 4.2: "the smallest maximum table
/// size that occurs in that interval MUST be signaled").</para>
/// <para>Field strings follow the one-octet-per-char convention of <see cref="HpackHeaderField"/>; a
/// char above 0xFF is an <see cref="ArgumentException"/>. Names are not lowercased. Not thread-safe:
/// the connection's single writer owns it.</para>
/// </remarks>
internal sealed class HpackEncoder
{
    /// <summary>Cookie values shorter than this are never indexed (section 7.1.3 guidance).</summary>
    public const int ShortCookieLength = 20;

    private readonly int _preferredMaxTableSize;
    private readonly HpackDynamicTable _backup; // Snapshot taken by TryEncode to roll back a block that did not fit.
    private bool _sizeUpdatePending;
    private int _smallestPendingSize;

    /// <summary>Creates an encoder.</summary>
    /// <param name="maxTableSize">The most dynamic table this encoder will use (default 4096, the protocol default).</param>
    public HpackEncoder(int maxTableSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _preferredMaxTableSize = maxTableSize;
        Table = new HpackDynamicTable(Math.Min(maxTableSize, 4096));
        _backup = new HpackDynamicTable(0);
    }

    /// <summary>Whether string literals may be Huffman-coded (when shorter). Default true.</summary>
    public bool UseHuffman { get; set; } = true;

    /// <summary>Whether literals are added to the dynamic table. Default true.</summary>
    public bool UseIndexing { get; set; } = true;

    /// <summary>Whether the sensitive-name rule applies (see remarks). Default true.</summary>
    public bool NeverIndexSensitiveFields { get; set; } = true;

    /// <summary>The dynamic table (exposed for tests and diagnostics).</summary>
    public HpackDynamicTable Table { get; }

    /// <summary>Whether <paramref name="field"/> is sent never-indexed under the sensitive-field rule.</summary>
    public static bool IsSensitive(in HpackHeaderField field) => field.Name switch
    {
        "authorization" or "proxy-authorization" => true,
        "cookie" or "set-cookie" => field.Value.Length < ShortCookieLength,
        _ => false,
    };

    /// <summary>Applies the peer's SETTINGS_HEADER_TABLE_SIZE; a change of the size in use is signaled at the start of the next block.</summary>
    public void SetPeerHeaderTableSize(uint peerLimit)
    {
        int size = (int)Math.Min(peerLimit, (uint)_preferredMaxTableSize);
        if (size == Table.MaxSize && !_sizeUpdatePending)
        {
            return;
        }

        _smallestPendingSize = _sizeUpdatePending ? Math.Min(_smallestPendingSize, size) : size;
        _sizeUpdatePending = true;
        Table.SetMaxSize(size);
    }

    /// <summary>Encodes a field block into <paramref name="writer"/> (grows the request until the block fits).</summary>
    public void Encode(ReadOnlySpan<HpackHeaderField> fields, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int sizeHint = 64;
        foreach (HpackHeaderField field in fields)
        {
            sizeHint += field.Name.Length + field.Value.Length + 12;
        }

        while (true)
        {
            Span<byte> span = writer.GetSpan(sizeHint);
            if (TryEncode(fields, span, out int written))
            {
                writer.Advance(written);
                return;
            }

            sizeHint = Math.Max(sizeHint, span.Length) * 2;
        }
    }

    /// <summary>
    /// Encodes a field block into <paramref name="destination"/>. When it does not fit, returns false
    /// and leaves the encoder exactly as it was (dynamic table and pending size update), so the
    /// caller can retry with a larger buffer.
    /// </summary>
    public bool TryEncode(ReadOnlySpan<HpackHeaderField> fields, Span<byte> destination, out int bytesWritten)
    {
        foreach (HpackHeaderField field in fields)
        {
            ValidateOctets(field.Name, nameof(fields));
            ValidateOctets(field.Value, nameof(fields));
        }

        _backup.CopyFrom(Table);
        if (TryEncodeBlock(fields, destination, out bytesWritten))
        {
            _sizeUpdatePending = false;
            return true;
        }

        Table.CopyFrom(_backup);
        bytesWritten = 0;
        return false;
    }

    private bool TryEncodeBlock(ReadOnlySpan<HpackHeaderField> fields, Span<byte> destination, out int position)
    {
        position = 0;
        if (_sizeUpdatePending)
        {
            // Section 6.3: 001xxxxx with a 5-bit prefixed size.
            if (_smallestPendingSize < Table.MaxSize && !TryWriteInteger(_smallestPendingSize, 5, 0x20, destination, ref position))
            {
                return false;
            }

            if (!TryWriteInteger(Table.MaxSize, 5, 0x20, destination, ref position))
            {
                return false;
            }
        }

        foreach (HpackHeaderField field in fields)
        {
            if (!TryEncodeField(field, destination, ref position))
            {
                return false;
            }
        }

        return true;
    }

    private bool TryEncodeField(in HpackHeaderField field, Span<byte> destination, ref int position)
    {
        bool sensitive = field.NeverIndexed || (NeverIndexSensitiveFields && IsSensitive(field));
        if (!sensitive)
        {
            int index = HpackStaticTable.FindField(field.Name, field.Value);
            if (index == 0 && Table.FindField(field.Name, field.Value) is >= 0 and var dynamicIndex)
            {
                index = dynamicIndex + HpackStaticTable.Count + 1;
            }

            if (index != 0)
            {
                return TryWriteInteger(index, 7, 0x80, destination, ref position); // Section 6.1.
            }
        }

        int nameIndex = HpackStaticTable.FindName(field.Name);
        if (nameIndex == 0 && Table.FindName(field.Name) is >= 0 and var dynamicNameIndex)
        {
            nameIndex = dynamicNameIndex + HpackStaticTable.Count + 1;
        }

        bool insert = !sensitive && UseIndexing && field.Size <= Table.MaxSize;
        bool ok = sensitive ? TryWriteInteger(nameIndex, 4, 0x10, destination, ref position) // Section 6.2.3.
            : insert ? TryWriteInteger(nameIndex, 6, 0x40, destination, ref position)         // Section 6.2.1.
            : TryWriteInteger(nameIndex, 4, 0x00, destination, ref position);                 // Section 6.2.2.
        ok = ok && (nameIndex != 0 || TryWriteString(field.Name, destination, ref position));
        ok = ok && TryWriteString(field.Value, destination, ref position);
        if (ok && insert)
        {
            Table.Insert(field);
        }

        return ok;
    }

    /// <summary>Writes a string literal (section 5.2): H bit, 7-bit prefixed length, octets.</summary>
    private bool TryWriteString(string value, Span<byte> destination, ref int position)
    {
        int huffmanLength = UseHuffman ? Huffman.GetEncodedLength(value) : int.MaxValue;
        if (huffmanLength <= value.Length)
        {
            if (!TryWriteInteger(huffmanLength, 7, 0x80, destination, ref position) ||
                !Huffman.TryEncode(value, destination[position..], out int written))
            {
                return false;
            }

            Debug.Assert(written == huffmanLength);
            position += written;
            return true;
        }

        if (!TryWriteInteger(value.Length, 7, 0x00, destination, ref position) || destination.Length - position < value.Length)
        {
            return false;
        }

        foreach (char c in value)
        {
            destination[position++] = (byte)c;
        }

        return true;
    }

    private static bool TryWriteInteger(int value, int prefixBits, byte flags, Span<byte> destination, ref int position)
    {
        if (!HpackInteger.TryEncode(value, prefixBits, flags, destination[position..], out int written))
        {
            return false;
        }

        position += written;
        return true;
    }

    private static void ValidateOctets(string value, string paramName)
    {
        foreach (char c in value)
        {
            if (c > 0xFF)
            {
                throw new ArgumentException($"Header text \"{value}\" has a char above 0xFF; HPACK strings carry one octet per char (convert UTF-8 first).", paramName);
            }
        }
    }
}
