using System.Buffers;

namespace MockKit.Http2.Tests;

internal static class FrameTestHelpers
{
    public const uint MaxFrameSize = 16_384;

    public static byte[] Write(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>(1);
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads exactly one frame from <paramref name="bytes"/> and checks nothing is left.</summary>
    public static Http2Frame ReadSingle(byte[] bytes, uint maxFrameSize = MaxFrameSize)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Http2FrameReader.TryReadFrame(ref buffer, maxFrameSize, out Http2Frame frame).ShouldBeTrue();
        buffer.Length.ShouldBe(0);
        return frame;
    }

    /// <summary>Reads all frames (header + payload copy) from a buffer.</summary>
    public static List<(Http2FrameHeader Header, byte[] Payload)> ReadAll(ReadOnlySequence<byte> buffer, uint maxFrameSize = MaxFrameSize)
    {
        var frames = new List<(Http2FrameHeader, byte[])>();
        while (Http2FrameReader.TryReadFrame(ref buffer, maxFrameSize, out Http2Frame frame))
        {
            frames.Add((frame.Header, frame.Payload.ToArray()));
        }

        buffer.Length.ShouldBe(0);
        return frames;
    }

    public static byte[] RawFrame(Http2FrameType type, Http2FrameFlags flags, int streamId, params byte[] payload) =>
        Write(w => Http2FrameWriter.WriteFrame(w, type, flags, streamId, payload));
}
