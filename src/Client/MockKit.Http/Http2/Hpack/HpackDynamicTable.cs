using System.Diagnostics;

namespace MockKit.Http2.Hpack;

/// <summary>
/// The HPACK dynamic table (RFC 7541 section 2.3.2, section 4): a FIFO of entries, newest
/// first, whose size (name + value + 32 per entry) never exceeds <see cref="MaxSize"/>.
/// Used by both <see cref="HpackDecoder"/> and <see cref="HpackEncoder"/>.
/// </summary>
/// <remarks>Stored as a ring buffer; index 0 is the newest entry (HPACK index 62). Not thread-safe.</remarks>
internal sealed class HpackDynamicTable
{
    private HpackHeaderField[] _ring;
    private int _newest; // Ring position of the newest entry when Count > 0.

    /// <summary>Creates an empty table.</summary>
    public HpackDynamicTable(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
        _ring = new HpackHeaderField[Math.Max(4, maxSize / HpackHeaderField.EntryOverhead)];
    }

    /// <summary>Number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>Current size in octets (section 4.1).</summary>
    public int Size { get; private set; }

    /// <summary>Maximum size in octets (section 4.2).</summary>
    public int MaxSize { get; private set; }

    /// <summary>The entry at a 0-based dynamic index (0 = newest, HPACK index 62).</summary>
    public HpackHeaderField this[int index]
    {
        get
        {
            Debug.Assert((uint)index < (uint)Count);
            int position = _newest - index;
            return _ring[position < 0 ? position + _ring.Length : position];
        }
    }

    /// <summary>
    /// Adds an entry, evicting the oldest as needed (section 4.4). An entry larger than
    /// <see cref="MaxSize"/> empties the table and is not added; that "is not an error".
    /// </summary>
    public void Insert(HpackHeaderField field)
    {
        field = field with { NeverIndexed = false };
        int size = field.Size;
        if (size > MaxSize)
        {
            Clear();
            return;
        }

        EvictUntil(MaxSize - size);
        if (Count == _ring.Length)
        {
            Grow();
        }

        _newest = (_newest + 1) % _ring.Length;
        _ring[_newest] = field;
        Count++;
        Size += size;
        Debug.Assert(Size <= MaxSize);
    }

    /// <summary>Changes the maximum size, evicting entries until the table fits (section 4.3).</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
        EvictUntil(maxSize);
    }

    /// <summary>The 0-based index of an entry with this name and value, or -1.</summary>
    public int FindField(string name, string value)
    {
        for (int i = 0; i < Count; i++)
        {
            HpackHeaderField entry = this[i];
            if (string.Equals(entry.Name, name, StringComparison.Ordinal) && string.Equals(entry.Value, value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The 0-based index of the newest entry with this name, or -1.</summary>
    public int FindName(string name)
    {
        for (int i = 0; i < Count; i++)
        {
            if (string.Equals(this[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Makes this table an exact copy of <paramref name="other"/> (the encoder's rollback).</summary>
    public void CopyFrom(HpackDynamicTable other)
    {
        if (_ring.Length != other._ring.Length)
        {
            _ring = new HpackHeaderField[other._ring.Length];
        }

        Array.Copy(other._ring, _ring, _ring.Length);
        _newest = other._newest;
        Count = other.Count;
        Size = other.Size;
        MaxSize = other.MaxSize;
    }

    private void Clear()
    {
        Array.Clear(_ring);
        Count = 0;
        Size = 0;
    }

    private void EvictUntil(int targetSize)
    {
        while (Size > targetSize)
        {
            Debug.Assert(Count > 0, "Size accounting must reach 0 with the last entry.");
            int oldest = _newest - (Count - 1);
            if (oldest < 0)
            {
                oldest += _ring.Length;
            }

            Size -= _ring[oldest].Size;
            _ring[oldest] = default;
            Count--;
        }
    }

    private void Grow()
    {
        var grown = new HpackHeaderField[_ring.Length * 2];
        for (int i = 0; i < Count; i++)
        {
            grown[Count - 1 - i] = this[i]; // Oldest first, newest at Count - 1.
        }

        _ring = grown;
        _newest = Count - 1;
    }
}
