using System.Buffers;
using System.Text;

namespace MockKit.Http2.Hpack;

/// <summary>
/// Stateful HPACK decoder (RFC 7541): one per connection direction, fed complete field blocks
/// (as assembled by <see cref="Http2HeaderBlockAssembler"/>) in the order they arrive.
/// </summary>
/// <remarks>
/// <para>Every failure caused by the input is an <see cref="HpackDecodingException"/> (index 0 or
/// past the tables, integer overflow, a string running past the block, bad Huffman, a size update
/// above our limit or after the first field); the connection maps it to COMPRESSION_ERROR. A
/// header list over <see cref="MaxHeaderListSize"/> is the subclass
/// <see cref="HpackHeaderListTooLargeException"/>, thrown only after the whole block was decoded
/// so the context stays usable.</para>
/// <para>Buffer ownership: Huffman output goes to a scratch buffer the decoder rents from
/// <see cref="ArrayPool{T}.Shared"/> and keeps until <see cref="Dispose"/> (tiny in DEBUG so growth
/// is exercised). Multi-segment input is copied to a rental returned before Decode returns.
/// Not thread-safe: the reader loop owns it.</para>
/// </remarks>
public sealed class HpackDecoder : IDisposable
{
#if DEBUG
    private const int InitialScratchSize = 8;
#else
    private const int InitialScratchSize = 1024;
#endif

    private byte[] _scratch; // Owned: rented from ArrayPool<byte>.Shared, returned by Dispose.
    private bool _sizeUpdateRequired;

    /// <summary>Creates a decoder.</summary>
    /// <param name="maxTableSizeLimit">Our SETTINGS_HEADER_TABLE_SIZE (default 4096): the largest size update the peer may send.</param>
    /// <param name="maxHeaderListSize">Largest accepted header list (name + value + 32 per field); default unlimited.</param>
    public HpackDecoder(int maxTableSizeLimit = 4096, long maxHeaderListSize = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSizeLimit);
        MaxTableSizeLimit = maxTableSizeLimit;
        MaxHeaderListSize = maxHeaderListSize;
        Table = new HpackDynamicTable(maxTableSizeLimit);
        _scratch = ArrayPool<byte>.Shared.Rent(InitialScratchSize);
    }

    /// <summary>The dynamic table (exposed for tests and diagnostics).</summary>
    internal HpackDynamicTable Table { get; }

    /// <summary>Our SETTINGS_HEADER_TABLE_SIZE: the largest dynamic table size update accepted.</summary>
    public int MaxTableSizeLimit { get; private set; }

    /// <summary>Largest accepted header list in octets (RFC 9113 section 6.5.2 accounting).</summary>
    public long MaxHeaderListSize { get; set; }

    /// <summary>
    /// Applies a new SETTINGS_HEADER_TABLE_SIZE of ours once the peer has acknowledged it. If it is
    /// below the table's current maximum, the peer's next block must start with a size update
    /// (RFC 7541 section 4.2) and one that does not is rejected.
    /// </summary>
    public void SetMaxTableSizeLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        MaxTableSizeLimit = limit;
        if (limit < Table.MaxSize)
        {
            _sizeUpdateRequired = true;
        }
    }

    /// <summary>Decodes a complete field block and returns its fields.</summary>
    public List<HpackHeaderField> Decode(ReadOnlySpan<byte> block)
    {
        var handler = new ListHandler();
        Decode(block, handler);
        return handler.Fields;
    }

    /// <summary>Decodes a complete field block held in a sequence.</summary>
    public void Decode(in ReadOnlySequence<byte> block, IHpackHeaderHandler handler)
    {
        if (block.IsSingleSegment)
        {
            Decode(block.FirstSpan, handler);
            return;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent((int)block.Length); // Owned by this call.
        try
        {
            block.CopyTo(copy);
            Decode(copy.AsSpan(0, (int)block.Length), handler);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Decodes a complete field block, reporting each field to <paramref name="handler"/> in order.</summary>
    /// <exception cref="HpackDecodingException">The block is malformed; the context is unusable afterwards.</exception>
    /// <exception cref="HpackHeaderListTooLargeException">The list exceeded <see cref="MaxHeaderListSize"/>; the context is intact.</exception>
    public void Decode(ReadOnlySpan<byte> block, IHpackHeaderHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_sizeUpdateRequired && (block.IsEmpty || (block[0] & 0xE0) != 0x20))
        {
            throw new HpackDecodingException(
                $"Expected a dynamic table size update at the start of the block after SETTINGS_HEADER_TABLE_SIZE was lowered to {MaxTableSizeLimit}.");
        }

        int position = 0;
        bool fieldSeen = false;
        long listSize = 0;
        while (position < block.Length)
        {
            byte first = block[position];
            HpackHeaderField field;
            if ((first & 0x80) != 0)
            {
                // Section 6.1, indexed header field: 1xxxxxxx, 7-bit index.
                field = GetIndexed(ReadInteger(block, ref position, 7));
            }
            else if ((first & 0xC0) == 0x40)
            {
                // Section 6.2.1, literal with incremental indexing: 01xxxxxx, 6-bit name index.
                field = ReadLiteral(block, ref position, 6, neverIndexed: false);
                Table.Insert(field);
            }
            else if ((first & 0xE0) == 0x20)
            {
                // Section 6.3, dynamic table size update: 001xxxxx, 5-bit size.
                if (fieldSeen)
                {
                    // Section 4.2: "This dynamic table size update MUST occur at the beginning of the first header block following the change".
                    throw new HpackDecodingException("Dynamic table size update after the first field of the block.");
                }

                int size = ReadInteger(block, ref position, 5);
                if (size > MaxTableSizeLimit)
                {
                    throw new HpackDecodingException($"Dynamic table size update to {size} exceeds the SETTINGS_HEADER_TABLE_SIZE limit {MaxTableSizeLimit}.");
                }

                Table.SetMaxSize(size);
                _sizeUpdateRequired = false;
                continue;
            }
            else
            {
                // Sections 6.2.2 and 6.2.3: 0000xxxx without indexing, 0001xxxx never indexed; 4-bit name index.
                field = ReadLiteral(block, ref position, 4, neverIndexed: (first & 0x10) != 0);
            }

            fieldSeen = true;
            bool withinLimit = listSize <= MaxHeaderListSize;
            listSize += field.Size;
            if (withinLimit && listSize <= MaxHeaderListSize)
            {
                handler.OnHeader(field);
            }
        }

        if (listSize > MaxHeaderListSize)
        {
            throw new HpackHeaderListTooLargeException(listSize, MaxHeaderListSize);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        byte[] scratch = _scratch;
        _scratch = [];
        if (scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private HpackHeaderField GetIndexed(int index)
    {
        if (index == 0)
        {
            // Section 6.1: "The index value of 0 is not used. It MUST be treated as a decoding error".
            throw new HpackDecodingException("Header field index 0 is not valid.");
        }

        if (index <= HpackStaticTable.Count)
        {
            return HpackStaticTable.Get(index);
        }

        int dynamicIndex = index - HpackStaticTable.Count - 1;
        if (dynamicIndex >= Table.Count)
        {
            // Section 2.3.3: "Indices strictly greater than the sum of the lengths of both tables MUST be treated as a decoding error."
            throw new HpackDecodingException(
                $"Header field index {index} is past the end of the tables ({HpackStaticTable.Count} static + {Table.Count} dynamic entries).");
        }

        return Table[dynamicIndex];
    }

    private HpackHeaderField ReadLiteral(ReadOnlySpan<byte> block, ref int position, int prefixBits, bool neverIndexed)
    {
        int nameIndex = ReadInteger(block, ref position, prefixBits);
        string name = nameIndex == 0 ? ReadString(block, ref position) : GetIndexed(nameIndex).Name;
        string value = ReadString(block, ref position);
        return new HpackHeaderField(name, value, neverIndexed);
    }

    /// <summary>Reads a string literal (section 5.2): H bit, 7-bit prefixed length, octets.</summary>
    private string ReadString(ReadOnlySpan<byte> block, ref int position)
    {
        if (position >= block.Length)
        {
            throw new HpackDecodingException("Field block ends where a string literal was expected.");
        }

        bool huffman = (block[position] & 0x80) != 0;
        int length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new HpackDecodingException($"String literal of {length} octets runs past the end of the field block ({block.Length - position} left).");
        }

        ReadOnlySpan<byte> raw = block.Slice(position, length);
        position += length;
        if (!huffman)
        {
            return Encoding.Latin1.GetString(raw);
        }

        int needed = Huffman.MaxDecodedLength(length);
        if (_scratch.Length < needed)
        {
            byte[] old = _scratch;
            _scratch = ArrayPool<byte>.Shared.Rent(Math.Max(needed, old.Length * 2));
            if (old.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(old);
            }
        }

        int decoded = Huffman.Decode(raw, _scratch);
        return Encoding.Latin1.GetString(_scratch, 0, decoded);
    }

    private static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        if (!HpackInteger.TryDecode(block[position..], prefixBits, out int value, out int consumed))
        {
            throw new HpackDecodingException("Field block ends inside an integer.");
        }

        position += consumed;
        return value;
    }

    /// <summary>Collects fields into a list (the convenience overload).</summary>
    private sealed class ListHandler : IHpackHeaderHandler
    {
        public List<HpackHeaderField> Fields { get; } = [];

        public void OnHeader(in HpackHeaderField field) => Fields.Add(field);
    }
}
