using System.Buffers;
using System.Text;
using static MockKit.Http1.Tests.ChunkedFeed;

namespace MockKit.Http1.Tests;

/// <summary>
/// The chunked transfer coding decoder (RFC 9112 section 7.1) on its own: what it makes of valid
/// bodies, that it makes the same of them however the bytes arrive, and how it refuses hostile ones.
/// </summary>
public sealed class ChunkedBodyDecoderTests
{
    // name, wire, decoded data, chunk sizes, trailer fields as "name: value".
    public static TheoryData<string, string, string, int[], string[]> ValidBodies => new()
    {
        { "one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", [5], [] },
        { "many chunks", "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", "abcdef", [1, 2, 3], [] },
        { "no data at all", "0\r\n\r\n", "", [], [] },
        { "hex digits in either case (7.1: HEXDIG)", "a\r\n0123456789\r\nB\r\nABCDEFGHIJK\r\n1F\r\n" + new string('x', 31) + "\r\n000\r\n\r\n", "0123456789ABCDEFGHIJK" + new string('x', 31), [10, 11, 31], [] },
        { "leading zeros", "0005\r\nhello\r\n00\r\n\r\n", "hello", [5], [] },
        { "extensions ignored (7.1.1)", "5;name=value\r\nhello\r\n3;a;b=c\r\nxyz\r\n0;last=yes\r\n\r\n", "helloxyz", [5, 3], [] },
        { "quoted-string extension holding ; = and CRLF-free text (7.1.1)", "5;n=\"a \\\"q\\\" ; x=y\"\r\nhello\r\n0\r\n\r\n", "hello", [5], [] },
        { "BWS around the extension (7.1.1)", "5 ; a = b\r\nhello\r\n0\t;\tz\r\n\r\n", "hello", [5], [] },
        { "data holding CR, LF and digits", "6\r\n\r\n0\r\n\r\r\n0\r\n\r\n", "\r\n0\r\n\r", [6], [] },
        { "trailer fields (7.1.2)", "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nExpires:  never \r\n\r\n", "hello", [5], ["X-Checksum: abc", "Expires: never"] },
        { "trailer lines ended by a bare LF (2.2 lets field lines end so)", "2\r\nhi\r\n0\r\nX-A: 1\nX-B: 2\n\n", "hi", [2], ["X-A: 1", "X-B: 2"] },
    };

    // name, wire, status, a fragment of the message.
    public static TheoryData<string, string, int, string> HostileBodies => new()
    {
        { "non-hex size", "zz\r\n", 400, "Invalid chunk size 'zz'" },
        { "empty size", "\r\n", 400, "Invalid chunk size ''" },
        { "extension without a size", ";a=b\r\nhello\r\n", 400, "Invalid chunk size ';a=b'" },
        { "0x prefix", "0x5\r\nhello\r\n", 400, "Invalid chunk size '0x5'" },
        { "negative size", "-5\r\nhello\r\n", 400, "Invalid chunk size '-5'" },
        { "junk after the size", "5x\r\nhello\r\n", 400, "Invalid chunk size '5x'" },
        { "2 GiB (the documented cap is below it)", "80000000\r\n", 400, "Chunk size '80000000' is too large" },
        { "long.MaxValue", "7fffffffffffffff\r\n", 400, "Chunk size '7fffffffffffffff' is too large" },
        { "above long.MaxValue (a signed parse would go negative)", "ffffffffffffffff\r\n", 400, "is too large" },
        { "17 hex digits", "10000000000000000\r\n", 400, "Chunk size '10000000000000000' is too large" },
        { "bare CR in the size line (2.2)", "5\r;x\r\nhello\r\n", 400, "Bare CR" },
        { "size line ended by a bare LF (7.1 needs CRLF)", "5\nhello\r\n0\r\n\r\n", 400, "Chunk size line does not end with CRLF" },
        { "last-chunk ended by a bare LF (7.1 needs CRLF)", "0\n\r\n", 400, "Chunk size line does not end with CRLF" },
        { "data longer than its size", "2\r\nabc\r\n0\r\n\r\n", 400, "Chunk data is not followed by CRLF" },
        { "data shorter than its size", "5\r\nhey\r\n0\r\n\r\n\r\n", 400, "Chunk data is not followed by CRLF" },
        { "missing CRLF after data", "2\r\nab0\r\n\r\n", 400, "Chunk data is not followed by CRLF" },
        { "data ended by a bare LF (7.1 needs CRLF)", "5\r\nhello\n0\r\n\r\n", 400, "Chunk data is not followed by CRLF" },
        { "data ended by a bare CR", "5\r\nhello\r0\r\n\r\n", 400, "Chunk data is not followed by CRLF" },
        { "trailer line without a colon (5.1)", "0\r\nNoColon\r\n\r\n", 400, "has no colon" },
        { "trailer with space before the colon (5.1)", "0\r\nX-A : 1\r\n\r\n", 400, "Invalid header name" },
        { "folded trailer line (5.2)", "0\r\nX-A: 1\r\n folded\r\n\r\n", 400, "Obsolete line folding" },
        { "control character in a trailer value", "0\r\nX-A: a\u0001b\r\n\r\n", 400, "Invalid character in the value of header 'X-A'" },
    };

    public static TheoryData<string> ValidWires => [.. ValidBodies.Select(row => (string)row[1])];

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void Decodes_a_valid_body_RFC9112_7_1(string name, string wire, string data, int[] sizes, string[] trailers)
    {
        var input = Encoding.Latin1.GetBytes(wire);

        var outcome = Decode(NewDecoder(), Whole(input));

        outcome.Data.ShouldBe(Encoding.Latin1.GetBytes(data), name);
        outcome.ChunkSizes.ShouldBe(sizes, name);
        outcome.ChunkCount.ShouldBe(sizes.Length, name);
        outcome.Trailers.Select(t => $"{t.Key}: {t.Value}").ShouldBe(trailers, name);
        outcome.Consumed.ShouldBe(input.Length, name);
    }

    [Theory]
    [MemberData(nameof(ValidWires))]
    public void Decodes_identically_split_at_every_byte_boundary_and_one_byte_at_a_time(string wire)
    {
        // Codecs are resumable: a short buffer returns NeedMoreData and the next read carries on.
        var input = Encoding.Latin1.GetBytes(wire);
        var expected = Decode(NewDecoder(), Whole(input));

        for (var at = 1; at < input.Length; at++)
        {
            ShouldMatch(Decode(NewDecoder(), SplitAt(input, at)), expected, $"split after {at} bytes");
        }

        ShouldMatch(Decode(NewDecoder(), ByteAtATime(input)), expected, "one byte at a time");
        ShouldMatch(Decode(NewDecoder(), OneByteSegments(input)), expected, "one arrival of one-byte segments");
    }

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public void Refuses_hostile_framing_with_a_clear_error_however_it_arrives(string name, string wire, int status, string message) =>
        ShouldRefuseEveryWay(Http1Limits.Default, wire, status, message, name);

    [Theory]
    [InlineData(14, 200, null)]
    [InlineData(13, 200, "Header section is larger than the limit of 13 bytes")]
    [InlineData(64 * 1024, 2, null)]
    [InlineData(64 * 1024, 1, "More than 1 header fields")]
    public void Trailer_section_obeys_the_head_limits(int maxBytes, int maxCount, string? refusal)
    {
        // The trailer section "A: 1\r\nB: 2\r\n\r\n" is 14 bytes and 2 fields (RFC 9112 section 7.1.2
        // lets a recipient limit it like a header section; over a limit is 431, RFC 6585 section 5).
        var limits = new Http1Limits(maxBytes, maxCount, 16 * 1024);
        const string Wire = "0\r\nA: 1\r\nB: 2\r\n\r\n";
        if (refusal is not null)
        {
            ShouldRefuseEveryWay(limits, Wire, 431, refusal, $"{maxBytes} bytes, {maxCount} fields");
            return;
        }

        var outcome = Decode(new ChunkedBodyDecoder(limits), Whole(Encoding.Latin1.GetBytes(Wire)));
        outcome.Trailers.ShouldBe([new("A", "1"), new("B", "2")]);
    }

    [Fact]
    public void An_unterminated_trailer_section_over_the_limit_is_refused_not_buffered()
    {
        var wire = "0\r\nX-Long: " + new string('x', 100);

        ShouldRefuseEveryWay(new Http1Limits(64, 200, 16 * 1024), wire, 431, "larger than the limit of 64 bytes", "no end");
    }

    [Fact]
    public void An_unterminated_chunk_size_line_over_4_KiB_is_refused_not_buffered()
    {
        // RFC 9112 section 7.1.1 lets a recipient limit chunk extensions.
        var input = Encoding.Latin1.GetBytes("1;" + new string('e', 5000));

        var e = Should.Throw<Http1ParseException>(() => Decode(NewDecoder(), Whole(input)));

        e.Message.ShouldBe("Chunk header is longer than 4096 bytes.");
        Should.Throw<Http1ParseException>(() => Decode(NewDecoder(), SplitAt(input, 4000))).Message.ShouldBe(e.Message);
    }

    [Fact]
    public void Records_the_first_chunk_sizes_it_was_asked_to_and_counts_all()
    {
        var input = Encoding.Latin1.GetBytes("1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n");

        var two = Decode(new ChunkedBodyDecoder(Http1Limits.Default, maxRecordedChunkSizes: 2), Whole(input));
        var none = Decode(new ChunkedBodyDecoder(Http1Limits.Default), Whole(input));

        two.ChunkSizes.ShouldBe([1, 2]);
        two.ChunkCount.ShouldBe(3);
        none.ChunkSizes.ShouldBeEmpty();
        none.ChunkCount.ShouldBe(3);
    }

    [Fact]
    public void Stops_at_the_end_of_the_body_and_leaves_the_next_message_unread()
    {
        const string Body = "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
        var input = Encoding.Latin1.GetBytes(Body + "GET /next HTTP/1.1\r\n\r\n");

        for (var at = 1; at < input.Length; at++)
        {
            var outcome = Decode(NewDecoder(), SplitAt(input, at));
            outcome.Consumed.ShouldBe(Body.Length, $"split after {at} bytes");
            outcome.Data.ShouldBe("abc"u8.ToArray());
        }

        // Once complete, further reads consume nothing and keep saying so.
        var decoder = NewDecoder();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(input));
        while (decoder.Read(ref reader, out _) != ChunkedReadResult.Completed)
        {
        }

        var end = reader.Consumed;
        decoder.Read(ref reader, out _).ShouldBe(ChunkedReadResult.Completed);
        reader.Consumed.ShouldBe(end);
    }

    [Fact]
    public void Reset_forgets_the_previous_message_even_half_read()
    {
        var decoder = NewDecoder();
        Decode(decoder, Whole("2\r\nhi\r\n0\r\nX-First: 1\r\n\r\n"u8.ToArray()));

        decoder.Reset();

        decoder.IsCompleted.ShouldBeFalse();
        decoder.Trailers.ShouldBeEmpty();
        decoder.ChunkSizes.ShouldBeEmpty();
        decoder.ChunkCount.ShouldBe(0);
        ShouldMatch(Decode(decoder, Whole("3\r\nabc\r\n0\r\n\r\n"u8.ToArray())), new("abc"u8.ToArray(), [], [3], 1, 13), "after Reset");

        // Reset in the middle of a chunk drops what remained of it.
        decoder.Reset();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("5\r\nhe"u8.ToArray()));
        decoder.Read(ref reader, out var data).ShouldBe(ChunkedReadResult.Data);
        data.ToArray().ShouldBe("he"u8.ToArray());
        decoder.Reset();
        ShouldMatch(Decode(decoder, Whole("1\r\nz\r\n0\r\n\r\n"u8.ToArray())), new("z"u8.ToArray(), [], [1], 1, 11), "after a Reset mid-chunk");
    }

    [Fact]
    public void A_chunk_just_under_2_GiB_is_accepted_and_streams_as_it_arrives()
    {
        var decoder = NewDecoder();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("7fffffff\r\nabc"u8.ToArray()));

        decoder.Read(ref reader, out var data).ShouldBe(ChunkedReadResult.Data);
        data.ToArray().ShouldBe("abc"u8.ToArray());
        decoder.Read(ref reader, out _).ShouldBe(ChunkedReadResult.NeedMoreData);
        decoder.ChunkSizes.ShouldBe([int.MaxValue]);
    }

    // Every way the bytes can arrive ends in the same refusal: a clear exception, never a hang.
    private static void ShouldRefuseEveryWay(Http1Limits limits, string wire, int status, string message, string name)
    {
        var input = Encoding.Latin1.GetBytes(wire);
        List<(string How, byte[][][] Arrivals)> deliveries =
            [("whole", Whole(input)), ("one byte at a time", ByteAtATime(input)), ("one-byte segments", OneByteSegments(input))];
        for (var at = 1; at < input.Length; at++)
        {
            deliveries.Add(($"split after {at} bytes", SplitAt(input, at)));
        }

        foreach (var (how, arrivals) in deliveries)
        {
            var e = Should.Throw<Http1ParseException>(() => Decode(new ChunkedBodyDecoder(limits), arrivals), $"{name}, {how}");
            e.StatusCode.ShouldBe(status, $"{name}, {how}");
            e.Message.ShouldContain(message, Case.Sensitive, $"{name}, {how}");
        }
    }

    private static ChunkedBodyDecoder NewDecoder() => new(Http1Limits.Default, maxRecordedChunkSizes: 16);

    private static void ShouldMatch(ChunkedOutcome actual, ChunkedOutcome expected, string how)
    {
        actual.Data.ShouldBe(expected.Data, how);
        actual.Trailers.ShouldBe(expected.Trailers, how);
        actual.ChunkSizes.ShouldBe(expected.ChunkSizes, how);
        actual.ChunkCount.ShouldBe(expected.ChunkCount, how);
        actual.Consumed.ShouldBe(expected.Consumed, how);
    }
}
