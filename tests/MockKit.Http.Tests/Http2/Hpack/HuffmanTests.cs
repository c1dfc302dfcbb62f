namespace MockKit.Http2.Hpack.Tests;

public class HuffmanTests
{
    [Fact]
    public void Transcribed_table_is_the_canonical_complete_code_of_appendix_B()
    {
        // Appendix B is a canonical Huffman code: sorting by (length, symbol) and counting up
        // reproduces every code. Any slip in transcribing a code or a length breaks this.
        ReadOnlySpan<uint> codes = HuffmanTable.Codes;
        ReadOnlySpan<byte> lengths = HuffmanTable.Lengths;
        codes.Length.ShouldBe(257);
        lengths.Length.ShouldBe(257);
        int[] order = [.. Enumerable.Range(0, 257).OrderBy(s => HuffmanTable.Lengths[s]).ThenBy(s => s)];
        uint next = 0;
        int previousLength = lengths[order[0]];
        foreach (int symbol in order)
        {
            next <<= lengths[symbol] - previousLength;
            previousLength = lengths[symbol];
            codes[symbol].ShouldBe(next, $"symbol {symbol}");
            next++;
        }

        next.ShouldBe(1u << 30, "the code is complete (Kraft sum 1) and EOS is all ones");
        codes[HuffmanTable.Eos].ShouldBe(0x3fffffffu);
    }

    [Fact]
    public void Every_byte_value_round_trips_alone_and_together()
    {
        for (int b = 0; b < 256; b++)
        {
            RoundTrip(((char)b).ToString());
        }

        RoundTrip(new string([.. Enumerable.Range(0, 256).Select(i => (char)i)]));
        RoundTrip(new string([.. Enumerable.Range(0, 256).Select(i => (char)(255 - i))]));
        RoundTrip("");
    }

    [Fact]
    public void Random_strings_round_trip()
    {
        var random = new Random(1234);
        for (int i = 0; i < 500; i++)
        {
            char[] chars = new char[random.Next(0, 64)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = (char)random.Next(0, 256);
            }

            RoundTrip(new string(chars));
        }
    }

    [Fact]
    public void Encoding_into_a_short_buffer_returns_false()
    {
        string value = "www.example.com";
        int length = Huffman.GetEncodedLength(value);
        for (int size = 0; size < length; size++)
        {
            Huffman.TryEncode(value, new byte[size], out _).ShouldBeFalse();
        }

        Huffman.TryEncode(value, new byte[length], out int written).ShouldBeTrue();
        written.ShouldBe(length);
    }

    [Theory]
    [InlineData("ff ff ff ff")]      // 32 ones: contains the 30-bit EOS.
    [InlineData("ff ff ff fc")]      // EOS followed by two zero bits.
    public void EOS_in_the_string_is_rejected(string hex) =>
        Should.Throw<HpackDecodingException>(() => Decode(hex)).Message.ShouldContain("EOS");

    [Theory]
    [InlineData("1f ff")]            // 'a' (00011) then 11 bits of ones: padding longer than 7 bits.
    [InlineData("ff")]               // 8 bits of ones and no symbol.
    public void Padding_longer_than_seven_bits_is_rejected(string hex) =>
        Should.Throw<HpackDecodingException>(() => Decode(hex)).Message.ShouldContain("padding");

    [Fact]
    public void Padding_that_is_not_all_ones_is_rejected()
    {
        // 'a' = 00011 followed by padding 000 instead of 111.
        Should.Throw<HpackDecodingException>(() => Decode("18")).Message.ShouldContain("not all ones");
        Decode("1f").ShouldBe("a");
    }

    private static string Decode(string hex)
    {
        byte[] source = MockKit.Http2.Tests.Hex.Parse(hex);
        byte[] destination = new byte[Huffman.MaxDecodedLength(source.Length)];
        int length = Huffman.Decode(source, destination);
        return System.Text.Encoding.Latin1.GetString(destination, 0, length);
    }

    private static void RoundTrip(string value)
    {
        byte[] encoded = new byte[Huffman.GetEncodedLength(value)];
        Huffman.TryEncode(value, encoded, out int written).ShouldBeTrue();
        written.ShouldBe(encoded.Length);
        byte[] decoded = new byte[Huffman.MaxDecodedLength(encoded.Length)];
        int length = Huffman.Decode(encoded, decoded);
        System.Text.Encoding.Latin1.GetString(decoded, 0, length).ShouldBe(value);
    }
}
