using System.Diagnostics;

namespace MockKit.Http2.Hpack;

/// <summary>
/// Huffman encoding and decoding of HPACK string literals (RFC 7541 section 5.2,
/// code table in Appendix B via <see cref="HuffmanTable"/>). Input strings use the one-octet-
/// per-char convention of <see cref="HpackHeaderField"/>.
/// </summary>
internal static class Huffman
{
    // Decoding tree: node n has children s_tree[2n] (bit 0) and s_tree[2n + 1] (bit 1). A positive
    // child is an internal node, a negative child -(symbol + 1) is a leaf, 0 is "no such code"
    // (node 0 is the root and never a child). The code is complete, so 0 only guards the invariant.
    private static readonly int[] s_tree = BuildTree();

    /// <summary>The most decoded octets <paramref name="encodedLength"/> Huffman octets can produce (shortest code is 5 bits).</summary>
    public static int MaxDecodedLength(int encodedLength) => (int)((encodedLength * 8L) / 5);

    /// <summary>The number of octets <paramref name="value"/> occupies once Huffman-encoded (padding included).</summary>
    public static int GetEncodedLength(ReadOnlySpan<char> value)
    {
        long bits = 0;
        foreach (char c in value)
        {
            Debug.Assert(c <= 0xFF, "HPACK strings carry one octet per char.");
            bits += HuffmanTable.Lengths[(byte)c];
        }

        return (int)((bits + 7) / 8);
    }

    /// <summary>Encodes <paramref name="value"/>; false when <paramref name="destination"/> is too small.</summary>
    public static bool TryEncode(ReadOnlySpan<char> value, Span<byte> destination, out int written)
    {
        written = 0;
        ulong accumulator = 0;
        int pending = 0; // Bits in the accumulator not yet written; always < 8 between symbols.
        int position = 0;
        foreach (char c in value)
        {
            int length = HuffmanTable.Lengths[(byte)c];
            accumulator = (accumulator << length) | HuffmanTable.Codes[(byte)c];
            pending += length;
            while (pending >= 8)
            {
                if (position >= destination.Length)
                {
                    return false;
                }

                pending -= 8;
                destination[position++] = (byte)(accumulator >> pending);
            }
        }

        if (pending > 0)
        {
            if (position >= destination.Length)
            {
                return false;
            }

            // Section 5.2: pad with the most significant bits of EOS, i.e. ones.
            destination[position++] = (byte)((accumulator << (8 - pending)) | (0xFFu >> pending));
        }

        written = position;
        return true;
    }

    /// <summary>
    /// Decodes a complete Huffman-encoded string into <paramref name="destination"/>, which holds at
    /// least <see cref="MaxDecodedLength"/> octets.
    /// </summary>
    /// <returns>The decoded length.</returns>
    /// <exception cref="HpackDecodingException">EOS inside the string, or padding longer than 7 bits or not all ones.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Debug.Assert(destination.Length >= MaxDecodedLength(source.Length));
        int node = 0;
        int written = 0;
        int bitsSinceSymbol = 0;
        bool allOnesSinceSymbol = true;
        foreach (byte octet in source)
        {
            for (int shift = 7; shift >= 0; shift--)
            {
                int bit = (octet >> shift) & 1;
                int next = s_tree[(2 * node) + bit];
                bitsSinceSymbol++;
                allOnesSinceSymbol &= bit == 1;
                if (next < 0)
                {
                    int symbol = -next - 1;
                    if (symbol == HuffmanTable.Eos)
                    {
                        // Section 5.2: "A Huffman-encoded string literal containing the EOS symbol MUST be treated as a decoding error."
                        throw new HpackDecodingException("Huffman-encoded string contains the EOS symbol.");
                    }

                    destination[written++] = (byte)symbol;
                    node = 0;
                    bitsSinceSymbol = 0;
                    allOnesSinceSymbol = true;
                }
                else if (next == 0)
                {
                    throw new HpackDecodingException("Huffman-encoded string contains an invalid code.");
                }
                else
                {
                    node = next;
                }
            }
        }

        // Section 5.2: "A padding strictly longer than 7 bits MUST be treated as a decoding error.
        // A padding not corresponding to the most significant bits of the code for the EOS symbol
        // MUST be treated as a decoding error."
        if (bitsSinceSymbol > 7)
        {
            throw new HpackDecodingException($"Huffman-encoded string has {bitsSinceSymbol} bits of padding; at most 7 are allowed.");
        }

        if (!allOnesSinceSymbol)
        {
            throw new HpackDecodingException("Huffman-encoded string has padding that is not all ones (the EOS prefix).");
        }

        return written;
    }

    private static int[] BuildTree()
    {
        // 257 leaves need 256 internal nodes; two child slots per node.
        var tree = new int[2 * 256];
        int nodes = 1;
        ReadOnlySpan<uint> codes = HuffmanTable.Codes;
        ReadOnlySpan<byte> lengths = HuffmanTable.Lengths;
        for (int symbol = 0; symbol <= HuffmanTable.Eos; symbol++)
        {
            int node = 0;
            for (int i = lengths[symbol] - 1; i >= 0; i--)
            {
                int slot = (2 * node) + (int)((codes[symbol] >> i) & 1);
                if (i == 0)
                {
                    Debug.Assert(tree[slot] == 0, "Huffman codes must be prefix-free.");
                    tree[slot] = -(symbol + 1);
                }
                else
                {
                    if (tree[slot] == 0)
                    {
                        tree[slot] = nodes++;
                    }

                    Debug.Assert(tree[slot] > 0, "Huffman codes must be prefix-free.");
                    node = tree[slot];
                }
            }
        }

        Debug.Assert(nodes == 256, "A complete prefix code over 257 symbols has 256 internal nodes.");
        return tree;
    }
}
