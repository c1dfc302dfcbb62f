using MockKit.Http2.Tests;

namespace MockKit.Http2.Hpack.Tests;

/// <summary>Every example of RFC 7541 Appendix C, decoded and (where the encoder's choices match) encoded.</summary>
public class HpackRfcExampleTests
{
    private static readonly HpackHeaderField[][] s_requests =
    [
        [new(":method", "GET"), new(":scheme", "http"), new(":path", "/"), new(":authority", "www.example.com")],
        [new(":method", "GET"), new(":scheme", "http"), new(":path", "/"), new(":authority", "www.example.com"), new("cache-control", "no-cache")],
        [new(":method", "GET"), new(":scheme", "https"), new(":path", "/index.html"), new(":authority", "www.example.com"), new("custom-key", "custom-value")],
    ];

    private static readonly (string Name, string Value)[][] s_requestTables =
    [
        [(":authority", "www.example.com")],
        [("cache-control", "no-cache"), (":authority", "www.example.com")],
        [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")],
    ];

    private static readonly int[] s_requestTableSizes = [57, 110, 164];

    // C.3 (plain) and C.4 (Huffman).
    private static readonly string[][] s_requestBlocks =
    [
        [
            "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "8286 84be 5808 6e6f 2d63 6163 6865",
            "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        ],
        [
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
            "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        ],
    ];

    private const string Date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Location = "https://www.example.com";
    private const string Cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    private static readonly HpackHeaderField[][] s_responses =
    [
        [new(":status", "302"), new("cache-control", "private"), new("date", Date1), new("location", Location)],
        [new(":status", "307"), new("cache-control", "private"), new("date", Date1), new("location", Location)],
        [new(":status", "200"), new("cache-control", "private"), new("date", Date2), new("location", Location), new("content-encoding", "gzip"), new("set-cookie", Cookie)],
    ];

    private static readonly (string Name, string Value)[][] s_responseTables =
    [
        [("location", Location), ("date", Date1), ("cache-control", "private"), (":status", "302")],
        [(":status", "307"), ("location", Location), ("date", Date1), ("cache-control", "private")],
        [("set-cookie", Cookie), ("content-encoding", "gzip"), ("date", Date2)],
    ];

    private static readonly int[] s_responseTableSizes = [222, 222, 215];

    // C.5 (plain) and C.6 (Huffman).
    private static readonly string[][] s_responseBlocks =
    [
        [
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "4803 3330 37c1 c0bf",
            "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
        ],
        [
            "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            "4883 640e ffc1 c0bf",
            "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
        ],
    ];

    [Fact]
    public void C_2_1_literal_with_indexing()
    {
        byte[] block = Hex.Parse("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        using var decoder = new HpackDecoder();
        decoder.Decode(block).ShouldBe([new HpackHeaderField("custom-key", "custom-header")]);
        ShouldHaveTable(decoder.Table, [("custom-key", "custom-header")], 55);

        var encoder = new HpackEncoder { UseHuffman = false };
        Encode(encoder, [new("custom-key", "custom-header")]).ShouldBe(block);
        ShouldHaveTable(encoder.Table, [("custom-key", "custom-header")], 55);
    }

    [Fact]
    public void C_2_2_literal_without_indexing()
    {
        byte[] block = Hex.Parse("040c 2f73 616d 706c 652f 7061 7468");
        using var decoder = new HpackDecoder();
        decoder.Decode(block).ShouldBe([new HpackHeaderField(":path", "/sample/path")]);
        decoder.Table.Count.ShouldBe(0);

        var encoder = new HpackEncoder { UseHuffman = false, UseIndexing = false };
        Encode(encoder, [new(":path", "/sample/path")]).ShouldBe(block);
        encoder.Table.Count.ShouldBe(0);
    }

    [Fact]
    public void C_2_3_literal_never_indexed()
    {
        byte[] block = Hex.Parse("1008 7061 7373 776f 7264 0673 6563 7265 74");
        using var decoder = new HpackDecoder();
        decoder.Decode(block).ShouldBe([new HpackHeaderField("password", "secret", NeverIndexed: true)]);
        decoder.Table.Count.ShouldBe(0);

        var encoder = new HpackEncoder { UseHuffman = false };
        Encode(encoder, [new("password", "secret", NeverIndexed: true)]).ShouldBe(block);
        encoder.Table.Count.ShouldBe(0);
    }

    [Fact]
    public void C_2_4_indexed_field()
    {
        using var decoder = new HpackDecoder();
        decoder.Decode(Hex.Parse("82")).ShouldBe([new HpackHeaderField(":method", "GET")]);
        decoder.Table.Count.ShouldBe(0);
        Encode(new HpackEncoder(), [new(":method", "GET")]).ShouldBe(Hex.Parse("82"));
    }

    [Theory]
    [InlineData(false)] // C.3
    [InlineData(true)]  // C.4
    public void C_3_and_C_4_requests_decode_with_table_state(bool huffman)
    {
        using var decoder = new HpackDecoder();
        for (int i = 0; i < 3; i++)
        {
            decoder.Decode(Hex.Parse(s_requestBlocks[huffman ? 1 : 0][i])).ShouldBe(s_requests[i], false, $"request {i + 1}");
            ShouldHaveTable(decoder.Table, s_requestTables[i], s_requestTableSizes[i]);
        }
    }

    [Theory]
    [InlineData(false)] // C.3
    [InlineData(true)]  // C.4
    public void C_3_and_C_4_requests_encode_to_the_exact_bytes(bool huffman)
    {
        var encoder = new HpackEncoder { UseHuffman = huffman };
        for (int i = 0; i < 3; i++)
        {
            Hex.Format(Encode(encoder, s_requests[i])).ShouldBe(Hex.Format(Hex.Parse(s_requestBlocks[huffman ? 1 : 0][i])), $"request {i + 1}");
            ShouldHaveTable(encoder.Table, s_requestTables[i], s_requestTableSizes[i]);
        }
    }

    [Theory]
    [InlineData(false)] // C.5
    [InlineData(true)]  // C.6
    public void C_5_and_C_6_responses_decode_with_eviction(bool huffman)
    {
        using var decoder = new HpackDecoder(maxTableSizeLimit: 256);
        for (int i = 0; i < 3; i++)
        {
            decoder.Decode(Hex.Parse(s_responseBlocks[huffman ? 1 : 0][i])).ShouldBe(s_responses[i], false, $"response {i + 1}");
            ShouldHaveTable(decoder.Table, s_responseTables[i], s_responseTableSizes[i]);
        }
    }

    [Theory]
    [InlineData(false)] // C.5
    [InlineData(true)]  // C.6
    public void C_5_and_C_6_responses_encode_to_the_exact_bytes(bool huffman)
    {
        var encoder = new HpackEncoder(maxTableSize: 256) { UseHuffman = huffman };
        for (int i = 0; i < 3; i++)
        {
            Hex.Format(Encode(encoder, s_responses[i])).ShouldBe(Hex.Format(Hex.Parse(s_responseBlocks[huffman ? 1 : 0][i])), $"response {i + 1}");
            ShouldHaveTable(encoder.Table, s_responseTables[i], s_responseTableSizes[i]);
        }
    }

    [Fact]
    public void Decoding_a_multi_segment_sequence_matches_the_contiguous_block()
    {
        byte[] block = Hex.Parse(s_requestBlocks[1][2]);
        using var warm = new HpackDecoder();
        warm.Decode(Hex.Parse(s_requestBlocks[1][0]));
        warm.Decode(Hex.Parse(s_requestBlocks[1][1]));
        var fields = new List<HpackHeaderField>();
        warm.Decode(Sequences.FromChunks(Sequences.RandomChunks(block, new Random(7), 3)), new Collector(fields));
        fields.ShouldBe(s_requests[2]);
    }

    internal static byte[] Encode(HpackEncoder encoder, HpackHeaderField[] fields)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        encoder.Encode(fields, writer);
        return writer.WrittenSpan.ToArray();
    }

    internal static void ShouldHaveTable(HpackDynamicTable table, (string Name, string Value)[] expected, int size)
    {
        var actual = new List<(string, string)>();
        for (int i = 0; i < table.Count; i++)
        {
            actual.Add((table[i].Name, table[i].Value));
        }

        actual.ShouldBe(expected);
        table.Size.ShouldBe(size);
    }

    private sealed class Collector(List<HpackHeaderField> fields) : IHpackHeaderHandler
    {
        public void OnHeader(in HpackHeaderField field) => fields.Add(field);
    }
}
