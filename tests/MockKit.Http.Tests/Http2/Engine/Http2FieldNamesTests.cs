using MockKit.Http2.Hpack;

namespace MockKit.Http2.Engine.Tests;

/// <summary>Field names as both roles send them (RFC 9113 section 8.2.1: lower-case), without a new string for the common ones.</summary>
public sealed class Http2FieldNamesTests
{
    [Fact]
    public void Names_of_the_hpack_static_table_come_back_as_the_table_s_own_strings_whatever_their_case()
    {
        var contentType = HpackStaticTable.Get(31).Name; // RFC 7541 appendix A: 31 is content-type.
        contentType.ShouldBe("content-type");
        Http2FieldNames.Lower("Content-Type").ShouldBeSameAs(contentType);
        Http2FieldNames.Lower("CONTENT-TYPE").ShouldBeSameAs(contentType);
        Http2FieldNames.Lower("content-type").ShouldBeSameAs(contentType);
    }

    [Fact]
    public void Other_names_are_lower_cased_and_a_lower_case_one_is_not_copied()
    {
        Http2FieldNames.Lower("X-Request-Id").ShouldBe("x-request-id");
        var lower = "x-request-id";
        Http2FieldNames.Lower(lower).ShouldBeSameAs(lower);
    }

    [Fact]
    public void Pseudo_header_names_are_not_in_the_table()
    {
        // ":Status" is no field name anyone sends; it is only lower-cased, never mapped to the static ":status".
        Http2FieldNames.Lower(":Status").ShouldBe(":status");
        Http2FieldNames.Lower(":Status").ShouldNotBeSameAs(HpackStaticTable.Get(8).Name);
    }
}
