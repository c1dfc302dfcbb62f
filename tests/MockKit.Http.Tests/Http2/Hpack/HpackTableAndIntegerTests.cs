namespace MockKit.Http2.Hpack.Tests;

public class HpackTableAndIntegerTests
{
    [Theory]
    [InlineData(10, 5, "0a")]             // RFC 7541 C.1.1
    [InlineData(1337, 5, "1f9a0a")]       // RFC 7541 C.1.2
    [InlineData(42, 8, "2a")]             // RFC 7541 C.1.3
    [InlineData(int.MaxValue, 7, "7f80ffffff07")]
    public void Integers_encode_and_decode(int value, int prefixBits, string hex)
    {
        byte[] expected = MockKit.Http2.Tests.Hex.Parse(hex);
        byte[] buffer = new byte[8];
        HpackInteger.TryEncode(value, prefixBits, 0, buffer, out int written).ShouldBeTrue();
        buffer[..written].ShouldBe(expected);
        for (int cut = 0; cut < expected.Length; cut++)
        {
            HpackInteger.TryDecode(expected.AsSpan(0, cut), prefixBits, out _, out _).ShouldBeFalse("short input returns false, never throws");
            HpackInteger.TryEncode(value, prefixBits, 0, new byte[cut], out _).ShouldBeFalse();
        }

        HpackInteger.TryDecode(expected, prefixBits, out int decoded, out int consumed).ShouldBeTrue();
        decoded.ShouldBe(value);
        consumed.ShouldBe(expected.Length);
    }

    [Fact]
    public void Static_table_has_the_appendix_A_entries()
    {
        HpackStaticTable.Get(1).ShouldBe(new HpackHeaderField(":authority", ""));
        HpackStaticTable.Get(16).ShouldBe(new HpackHeaderField("accept-encoding", "gzip, deflate"));
        HpackStaticTable.Get(61).ShouldBe(new HpackHeaderField("www-authenticate", ""));
        HpackStaticTable.FindName(":status").ShouldBe(8);
        HpackStaticTable.FindField(":status", "404").ShouldBe(13);
        HpackStaticTable.FindField(":status", "418").ShouldBe(0);
    }

    [Fact]
    public void Dynamic_table_accounts_size_evicts_oldest_and_resizes()
    {
        var table = new HpackDynamicTable(100);
        table.Insert(new("a", "1")); // 34
        table.Insert(new("b", "2")); // 34 -> 68
        table.Insert(new("c", "3")); // 34 -> 102 > 100: evicts "a"
        table.Count.ShouldBe(2);
        table.Size.ShouldBe(68);
        table[0].Name.ShouldBe("c");
        table[1].Name.ShouldBe("b");

        table.SetMaxSize(40);
        table.Count.ShouldBe(1);
        table[0].Name.ShouldBe("c");

        table.Insert(new("long-name", new string('x', 10))); // 51 > 40: empties the table, not an error.
        table.Count.ShouldBe(0);
        table.Size.ShouldBe(0);
    }

    [Fact]
    public void Dynamic_table_ring_grows_and_wraps()
    {
        var table = new HpackDynamicTable(4096);
        for (int i = 0; i < 1000; i++)
        {
            table.Insert(new("k", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            table.Size.ShouldBeLessThanOrEqualTo(4096);
        }

        table[0].Value.ShouldBe("999");
        table[table.Count - 1].Value.ShouldBe((1000 - table.Count).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
