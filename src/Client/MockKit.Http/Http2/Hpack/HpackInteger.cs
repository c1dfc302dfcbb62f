namespace MockKit.Http2.Hpack;

/// <summary>
/// The prefixed integer representation of RFC 7541 section 5.1:
/// <code>
///   0   1   2   3   4   5   6   7
/// +---+---+---+---+---+---+---+---+
/// | ? | ? | ? |       Value       |   value &lt; 2^N - 1 fits the N-bit prefix
/// +---+---+---+-------------------+
/// | ? | ? | ? | 1   1   1   1   1 |   otherwise the prefix is all ones and
/// +---+---+---+-------------------+
/// | 1 |    Value-(2^N-1) LSB      |   the rest follows 7 bits at a time,
/// +---+---------------------------+   least significant group first,
///                ...
/// +---+---------------------------+
/// | 0 |    Value-(2^N-1) MSB      |   the last byte with the top bit clear.
/// +---+---------------------------+
/// </code>
/// Values are limited to <see cref="int.MaxValue"/>; anything larger is a decoding error.
/// </summary>
internal static class HpackInteger
{
    /// <summary>
    /// Decodes an integer whose prefix occupies the low <paramref name="prefixBits"/> bits of <c>source[0]</c>.
    /// </summary>
    /// <returns>False when <paramref name="source"/> ends before the integer does.</returns>
    /// <exception cref="HpackDecodingException">The value exceeds 2^31-1.</exception>
    public static bool TryDecode(ReadOnlySpan<byte> source, int prefixBits, out int value, out int consumed)
    {
        value = 0;
        consumed = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        int mask = (1 << prefixBits) - 1;
        int prefix = source[0] & mask;
        if (prefix < mask)
        {
            value = prefix;
            consumed = 1;
            return true;
        }

        long result = prefix;
        int shift = 0;
        for (int i = 1; i < source.Length; i++)
        {
            byte b = source[i];
            result += (long)(b & 0x7F) << shift;
            if (result > int.MaxValue)
            {
                throw new HpackDecodingException("HPACK integer exceeds 2^31-1.");
            }

            if ((b & 0x80) == 0)
            {
                value = (int)result;
                consumed = i + 1;
                return true;
            }

            shift += 7;
            if (shift > 28)
            {
                // Five continuation bytes carry 35 bits; more can only be overlong or overflowing.
                throw new HpackDecodingException("HPACK integer has too many continuation bytes.");
            }
        }

        return false;
    }

    /// <summary>
    /// Encodes <paramref name="value"/> with an N-bit prefix; the high bits of the first byte are
    /// taken from <paramref name="firstByteFlags"/> (the representation's pattern, e.g. 0x80 for indexed).
    /// </summary>
    /// <returns>False when <paramref name="destination"/> is too small.</returns>
    public static bool TryEncode(int value, int prefixBits, byte firstByteFlags, Span<byte> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        written = 0;
        if (destination.IsEmpty)
        {
            return false;
        }

        int mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(firstByteFlags | value);
            written = 1;
            return true;
        }

        destination[0] = (byte)(firstByteFlags | mask);
        int i = 1;
        value -= mask;
        while (value >= 0x80)
        {
            if (i >= destination.Length)
            {
                return false;
            }

            destination[i++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        if (i >= destination.Length)
        {
            return false;
        }

        destination[i++] = (byte)value;
        written = i;
        return true;
    }
}
