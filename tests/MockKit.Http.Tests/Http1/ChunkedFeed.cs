using System.Buffers;
using MockKit.Http2.Tests;

namespace MockKit.Http1.Tests;

/// <summary>What a <see cref="ChunkedBodyDecoder"/> made of one chunked body.</summary>
/// <param name="Data">The chunk data, concatenated.</param>
/// <param name="Trailers">The trailer fields.</param>
/// <param name="ChunkSizes">The recorded chunk sizes.</param>
/// <param name="ChunkCount">The number of data chunks.</param>
/// <param name="Consumed">Input bytes the decoder consumed (the body; never what follows it).</param>
internal sealed record ChunkedOutcome(
    byte[] Data, KeyValuePair<string, string>[] Trailers, int[] ChunkSizes, long ChunkCount, long Consumed);

/// <summary>
/// Feeds a <see cref="ChunkedBodyDecoder"/> the way a pipe reader does: each arrival is appended as
/// new segments after the bytes the decoder left unconsumed, and the decoder reads until it asks for
/// more. Every call either consumes a byte or ends the round, so a decoder that stops making
/// progress fails the call budget instead of hanging the test.
/// </summary>
internal static class ChunkedFeed
{
    /// <summary>The whole input in one buffer.</summary>
    public static byte[][][] Whole(byte[] input) => [[input]];

    /// <summary>Two arrivals, split after <paramref name="at"/> bytes.</summary>
    public static byte[][][] SplitAt(byte[] input, int at) => [[input[..at]], [input[at..]]];

    /// <summary>One arrival per byte.</summary>
    public static byte[][][] ByteAtATime(byte[] input) => [.. input.Select(b => new[] { new[] { b } })];

    /// <summary>The whole input at once, but as a sequence of one-byte segments.</summary>
    public static byte[][][] OneByteSegments(byte[] input) => [[.. input.Select(b => new[] { b })]];

    /// <summary>Decodes <paramref name="arrivals"/> (each a list of segments) until the body completes.</summary>
    public static ChunkedOutcome Decode(ChunkedBodyDecoder decoder, byte[][][] arrivals)
    {
        var unconsumed = new List<byte[]>();
        var data = new List<byte>();
        var consumed = 0L;
        var budget = arrivals.Sum(a => a.Sum(s => s.Length)) + arrivals.Length + 1;
        foreach (var arrival in arrivals)
        {
            unconsumed.AddRange(arrival);
            var buffer = Sequences.FromChunks(unconsumed);
            var reader = new SequenceReader<byte>(buffer);
            ChunkedReadResult result;
            while ((result = decoder.Read(ref reader, out var chunk)) == ChunkedReadResult.Data)
            {
                chunk.Length.ShouldBeGreaterThan(0, "Data must carry bytes.");
                data.AddRange(chunk.ToArray());
                (--budget).ShouldBeGreaterThan(0, "The decoder keeps returning without consuming input.");
            }

            (--budget).ShouldBeGreaterThan(0, "The decoder keeps returning without consuming input.");
            consumed += reader.Consumed;
            unconsumed = [.. Segments(buffer.Slice(reader.Position))];
            if (result == ChunkedReadResult.Completed)
            {
                decoder.IsCompleted.ShouldBeTrue();
                break;
            }
        }

        decoder.IsCompleted.ShouldBeTrue("All input arrived but the body did not complete.");
        return new([.. data], [.. decoder.Trailers], [.. decoder.ChunkSizes], decoder.ChunkCount, consumed);
    }

    private static IEnumerable<byte[]> Segments(ReadOnlySequence<byte> rest)
    {
        foreach (var memory in rest)
        {
            if (!memory.IsEmpty)
            {
                yield return memory.ToArray();
            }
        }
    }
}
