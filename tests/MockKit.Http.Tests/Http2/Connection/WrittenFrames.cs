using System.Buffers;

namespace MockKit.Http2.Connection.Tests;

/// <summary>The core tests' reading of what a writer put on the wire: whole frames, nothing left over.</summary>
internal static class WrittenFrames
{
    /// <summary>Splits <paramref name="bytes"/> into frames; fails when a partial frame is left at the end.</summary>
    public static List<(Http2FrameHeader Header, byte[] Payload)> Parse(byte[] bytes)
    {
        var rest = new ReadOnlySequence<byte>(bytes);
        var frames = new List<(Http2FrameHeader, byte[])>();
        while (Http2FrameReader.TryReadFrame(ref rest, Http2Constants.DefaultMaxFrameSize, out var frame))
        {
            frames.Add((frame.Header, frame.Payload.ToArray()));
        }

        rest.Length.ShouldBe(0);
        return frames;
    }
}
