using System.Buffers;
using System.Globalization;
using MockKit.Http2;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Http2;

/// <summary>
/// What a <see cref="MalformedResponse"/> needs to write one stream's frames on the writer loop:
/// the stream, the response fields as they would go out, the body, and the connection's one HPACK
/// encoder (section 4.3: blocks are encoded in the order they are written).
/// </summary>
internal readonly struct Http2FaultFrames(int streamId, List<HpackHeaderField> fields, ReadOnlyMemory<byte> body, int maxFrameSize, Http2HeaderBlockEncoder encoder)
{
    public int StreamId => streamId;

    /// <summary>:status then the scripted fields (with <c>content-length</c> of the body unless scripted).</summary>
    public List<HpackHeaderField> Fields => fields;

    public ReadOnlySpan<byte> Body => body.Span;

    /// <summary>The client's SETTINGS_MAX_FRAME_SIZE.</summary>
    public int MaxFrameSize => maxFrameSize;

    /// <summary>The fields with <c>content-length</c> set to <paramref name="length"/> (replacing any other).</summary>
    public List<HpackHeaderField> WithContentLength(long length)
    {
        var copy = fields.Where(f => f.Name != "content-length").ToList();
        copy.Add(new("content-length", length.ToString(CultureInfo.InvariantCulture)));
        return copy;
    }

    /// <summary>HEADERS (+ CONTINUATION), HPACK-encoded, never ending the stream (DATA follows).</summary>
    public void WriteHeaders(IBufferWriter<byte> output, List<HpackHeaderField> headers) =>
        encoder.WriteHeaders(output, streamId, headers, endStream: false, maxFrameSize);

    /// <summary>A HEADERS frame carrying <paramref name="block"/> as its field block, unencoded (END_HEADERS).</summary>
    public void WriteRawHeaders(IBufferWriter<byte> output, ReadOnlySpan<byte> block) =>
        Http2FrameWriter.WriteHeaderBlock(output, streamId, block, endStream: false, maxFrameSize);

    /// <summary><paramref name="data"/> as DATA frames no larger than the peer allows, the last with END_STREAM.</summary>
    public void WriteData(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, maxFrameSize)];
            data = data[chunk.Length..];
            Http2FrameWriter.WriteData(output, streamId, chunk, endStream: data.IsEmpty);
        }
        while (!data.IsEmpty);
    }
}
