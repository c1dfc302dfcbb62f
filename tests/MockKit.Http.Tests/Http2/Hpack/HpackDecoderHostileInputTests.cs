using MockKit.Http2.Tests;

namespace MockKit.Http2.Hpack.Tests;

public class HpackDecoderHostileInputTests
{
    [Theory]
    [InlineData("80", "index 0")]                                     // Indexed field, index 0.
    [InlineData("be", "past the end")]                                // Index 62 with an empty dynamic table.
    [InlineData("ff 80 80 80 80 08", "exceeds 2^31-1")]                // Index integer overflowing 31 bits.
    [InlineData("ff 80 80 80 80 80 00", "continuation bytes")]       // Overlong: too many continuation bytes.
    [InlineData("ff 80", "inside an integer")]                        // Integer cut short.
    [InlineData("40 0a 63 75 73", "runs past the end")]              // Literal name longer than the block.
    [InlineData("40 01 61", "string literal was expected")]           // Value missing.
    [InlineData("7f 00", "past the end")]                            // Literal with name index 63 (beyond static, empty dynamic).
    [InlineData("00 81 ff 00", "padding")]                            // Huffman name of one 0xff octet: only padding.
    [InlineData("00 84 ff ff ff ff 00", "EOS")]                      // Huffman name containing EOS.
    [InlineData("3f e2 1f", "exceeds the SETTINGS_HEADER_TABLE_SIZE")] // Size update to 4097 > 4096.
    [InlineData("82 20", "after the first field")]                    // Size update mid-block.
    public void Hostile_block_throws_HpackDecodingException(string hex, string expectedMessagePart)
    {
        using var decoder = new HpackDecoder();
        Should.Throw<HpackDecodingException>(() => decoder.Decode(Hex.Parse(hex))).Message.ShouldContain(expectedMessagePart);
    }

    [Fact]
    public void Size_update_within_the_limit_at_the_start_is_accepted_and_evicts()
    {
        using var decoder = new HpackDecoder();
        decoder.Decode(Hex.Parse("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")); // C.2.1
        decoder.Table.Count.ShouldBe(1);
        decoder.Decode(Hex.Parse("20 3f e1 1f 82")).ShouldBe([new HpackHeaderField(":method", "GET")]); // To 0, then back to 4096.
        decoder.Table.Count.ShouldBe(0);
        decoder.Table.MaxSize.ShouldBe(4096);
    }

    [Fact]
    public void After_lowering_the_limit_the_next_block_must_start_with_a_size_update()
    {
        using var decoder = new HpackDecoder();
        decoder.SetMaxTableSizeLimit(100);
        Should.Throw<HpackDecodingException>(() => decoder.Decode(Hex.Parse("82"))).Message.ShouldContain("size update");

        using var compliant = new HpackDecoder();
        compliant.SetMaxTableSizeLimit(100);
        compliant.Decode(Hex.Parse("3f 45 82")).Count.ShouldBe(1); // Size update to 100.
        compliant.Table.MaxSize.ShouldBe(100);
        compliant.Decode(Hex.Parse("82")).Count.ShouldBe(1);
    }

    [Fact]
    public void Header_list_over_the_limit_throws_the_distinct_exception_after_keeping_the_table_in_sync()
    {
        using var decoder = new HpackDecoder(maxHeaderListSize: 60);
        var fields = new List<HpackHeaderField>();
        // custom-key: custom-header (55) is reported; :method GET (42) would exceed 60.
        byte[] block = Hex.Parse("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 82 4003 6162 6303 6465 66");
        var exception = Should.Throw<HpackHeaderListTooLargeException>(() => decoder.Decode(block, new ListHandler(fields)));
        exception.Limit.ShouldBe(60);
        exception.ShouldBeAssignableTo<HpackDecodingException>();
        fields.ShouldBe([new HpackHeaderField("custom-key", "custom-header")]);
        decoder.Table.Count.ShouldBe(2, "the block was decoded to the end, so the later insertion happened too");
        decoder.Table[0].Name.ShouldBe("abc");
    }

    [Fact]
    public void Fuzzed_blocks_only_ever_throw_HpackDecodingException()
    {
        var random = new Random(20251122);
        int failures = 0;
        using var decoder = new HpackDecoder(maxHeaderListSize: 8192);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] block = new byte[random.Next(0, 48)];
            random.NextBytes(block);
            if (i % 3 == 0 && block.Length > 0)
            {
                block[0] = (byte)(0x40 | (block[0] & 0x3F)); // Bias towards literals that touch the table.
            }

            try
            {
                decoder.Decode(block);
            }
            catch (HpackDecodingException)
            {
                failures++;
            }

            // Any other exception type fails the test right here.
        }

        failures.ShouldBeGreaterThan(1000);
    }

    [Fact]
    public void Fuzzed_mutations_of_valid_blocks_only_ever_throw_HpackDecodingException()
    {
        var random = new Random(42);
        var encoder = new HpackEncoder();
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        encoder.Encode(new HpackHeaderField[] { new(":status", "200"), new("content-type", "text/plain"), new("x-custom", "value-1234567890") }, writer);
        byte[] valid = writer.WrittenSpan.ToArray();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] block = (byte[])valid.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                block[random.Next(block.Length)] = (byte)random.Next(256);
            }

            using var decoder = new HpackDecoder();
            try
            {
                decoder.Decode(block.AsSpan(0, random.Next(block.Length + 1)));
            }
            catch (HpackDecodingException)
            {
            }
        }
    }

    private sealed class ListHandler(List<HpackHeaderField> fields) : IHpackHeaderHandler
    {
        public void OnHeader(in HpackHeaderField field) => fields.Add(field);
    }
}
