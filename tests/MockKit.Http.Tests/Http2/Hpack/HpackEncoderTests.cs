using System.Buffers;
using MockKit.Http2.Tests;

namespace MockKit.Http2.Hpack.Tests;

public class HpackEncoderTests
{
    [Theory]
    [InlineData("authorization", "Bearer a-long-token-value-that-is-long", true)]
    [InlineData("proxy-authorization", "Basic x", true)]
    [InlineData("cookie", "sid=1", true)]
    [InlineData("set-cookie", "a=b", true)]
    [InlineData("cookie", "session=0123456789abcdef0123", false)]
    [InlineData("user-agent", "x", false)]
    public void Sensitive_rule(string name, string value, bool sensitive) =>
        HpackEncoder.IsSensitive(new HpackHeaderField(name, value)).ShouldBe(sensitive);

    [Fact]
    public void Sensitive_fields_are_never_indexed_and_stay_out_of_the_table()
    {
        var encoder = new HpackEncoder { UseHuffman = false };
        byte[] block = HpackRfcExampleTests.Encode(encoder, [new("authorization", "secret")]);
        block[0].ShouldBe((byte)0x1f); // 0001 1111: never indexed, name index 23 = 15 + 8.
        block[1].ShouldBe((byte)0x08);
        encoder.Table.Count.ShouldBe(0);

        using var decoder = new HpackDecoder();
        decoder.Decode(block).ShouldBe([new HpackHeaderField("authorization", "secret", NeverIndexed: true)]);
    }

    [Fact]
    public void Sensitive_rule_can_be_turned_off()
    {
        var encoder = new HpackEncoder { NeverIndexSensitiveFields = false };
        HpackRfcExampleTests.Encode(encoder, [new("cookie", "a=b")]);
        encoder.Table.Count.ShouldBe(1);
    }

    [Fact]
    public void Peer_table_size_change_is_signaled_at_the_start_of_the_next_block_only()
    {
        var encoder = new HpackEncoder { UseHuffman = false };
        HpackRfcExampleTests.Encode(encoder, [new("custom-key", "custom-header")]);
        encoder.SetPeerHeaderTableSize(0);
        encoder.SetPeerHeaderTableSize(100);
        encoder.Table.Count.ShouldBe(0, "shrinking to 0 evicted everything");

        byte[] block = HpackRfcExampleTests.Encode(encoder, [new(":method", "GET")]);
        Hex.Format(block).ShouldBe("20" + "3f45" + "82"); // Smallest size (0), final size (100), then the field.
        Hex.Format(HpackRfcExampleTests.Encode(encoder, [new(":method", "GET")])).ShouldBe("82");

        using var decoder = new HpackDecoder();
        decoder.Decode(block).Count.ShouldBe(1);
        decoder.Table.MaxSize.ShouldBe(100);
    }

    [Fact]
    public void Encoder_never_uses_more_than_its_own_maximum()
    {
        var encoder = new HpackEncoder(maxTableSize: 256);
        encoder.SetPeerHeaderTableSize(65536);
        encoder.Table.MaxSize.ShouldBe(256);
    }

    [Fact]
    public void TryEncode_into_a_short_span_returns_false_and_leaves_the_state_untouched()
    {
        HpackHeaderField[] fields = [new("x-one", "1111111111"), new("x-two", "2222222222"), new("x-three", "3333333333")];
        var encoder = new HpackEncoder();
        encoder.SetPeerHeaderTableSize(2048);
        byte[] full = HpackRfcExampleTests.Encode(new HpackEncoder().Also(e => e.SetPeerHeaderTableSize(2048)), fields);

        for (int size = 0; size < full.Length; size++)
        {
            encoder.TryEncode(fields, new byte[size], out int written).ShouldBeFalse($"size {size}");
            written.ShouldBe(0);
            encoder.Table.Count.ShouldBe(0);
        }

        byte[] exact = new byte[full.Length];
        encoder.TryEncode(fields, exact, out int bytesWritten).ShouldBeTrue();
        bytesWritten.ShouldBe(full.Length);
        exact.ShouldBe(full, "the pending size update and the insertions survived the failed attempts");
        encoder.Table.Count.ShouldBe(3);
    }

    [Fact]
    public void Chars_above_0xFF_are_rejected_before_anything_changes()
    {
        var encoder = new HpackEncoder();
        Should.Throw<ArgumentException>(() => encoder.TryEncode([new("x-ok", "fine"), new("x-bad", "€")], new byte[256], out _));
        encoder.Table.Count.ShouldBe(0);
    }

    [Fact]
    public void Random_header_lists_round_trip_through_encoder_and_decoder_with_shared_state()
    {
        var random = new Random(99);
        string[] names = ["content-type", "x-trace", "cookie", "authorization", ":path", "accept", "x-a", "x-b", "set-cookie"];
        var encoder = new HpackEncoder(maxTableSize: 512);
        using var decoder = new HpackDecoder(maxTableSizeLimit: 4096);
        var writer = new ArrayBufferWriter<byte>();
        for (int block = 0; block < 300; block++)
        {
            if (block % 50 == 49)
            {
                uint size = (uint)random.Next(0, 600);
                encoder.SetPeerHeaderTableSize(size);
            }

            encoder.UseHuffman = random.Next(2) == 0;
            var fields = new HpackHeaderField[random.Next(1, 8)];
            for (int i = 0; i < fields.Length; i++)
            {
                string value = new([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0x20, 0x100))]);
                fields[i] = new HpackHeaderField(names[random.Next(names.Length)], random.Next(3) == 0 ? "same" : value, NeverIndexed: random.Next(10) == 0);
            }

            writer.Clear();
            encoder.Encode(fields, writer);
            List<HpackHeaderField> decoded = decoder.Decode(writer.WrittenSpan);
            decoded.Select(f => (f.Name, f.Value)).ShouldBe(fields.Select(f => (f.Name, f.Value)), $"block {block}");
            decoded.Zip(fields).Where(p => p.Second.NeverIndexed).ShouldAllBe(p => p.First.NeverIndexed);
        }
    }
}

internal static class TestExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
