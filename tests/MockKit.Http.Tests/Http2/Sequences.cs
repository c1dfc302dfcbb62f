using System.Buffers;

namespace MockKit.Http2.Tests;

/// <summary>Builds multi-segment sequences so readers see data split at arbitrary points.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> FromChunks(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        Segment last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="bytes"/> into chunks of random sizes (1..maxChunk).</summary>
    public static List<byte[]> RandomChunks(byte[] bytes, Random random, int maxChunk)
    {
        var chunks = new List<byte[]>();
        int position = 0;
        while (position < bytes.Length)
        {
            int size = Math.Min(bytes.Length - position, random.Next(1, maxChunk + 1));
            chunks.Add(bytes[position..(position + size)]);
            position += size;
        }

        return chunks;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
