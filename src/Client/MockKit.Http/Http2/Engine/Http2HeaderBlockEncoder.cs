using System.Buffers;
using System.Runtime.InteropServices;
using MockKit.Buffers;
using MockKit.Http2.Hpack;

namespace MockKit.Http2.Engine;

/// <summary>
/// Field blocks out, for both roles: HPACK-encodes a field list (RFC 7541) with the connection's one
/// encoder, then splits the block into HEADERS or PUSH_PROMISE plus CONTINUATION frames no larger
/// than the peer's SETTINGS_MAX_FRAME_SIZE (RFC 9113 sections 4.3 and 6.10).
/// </summary>
/// <remarks>
/// Section 4.3: the encoder's dynamic table is connection state, so blocks must be encoded in the
/// order they are written and nothing may be written between a block's frames. Hence: writer loop
/// only (<see cref="Http2FrameQueue"/> producers), never from another thread.
/// </remarks>
public sealed class Http2HeaderBlockEncoder : IDisposable
{
    private readonly HpackEncoder _encoder = new();
    private readonly PooledBufferWriter _block = new(); // Scratch for one encoded block.

    /// <summary>Applies the peer's SETTINGS_HEADER_TABLE_SIZE before the next block (RFC 7541 section 4.2).</summary>
    public void SetPeerHeaderTableSize(uint size) => _encoder.SetPeerHeaderTableSize(size);

    /// <summary>Writes <paramref name="fields"/> as HEADERS (+ CONTINUATION) on <paramref name="streamId"/>.</summary>
    public void WriteHeaders(IBufferWriter<byte> output, int streamId, List<HpackHeaderField> fields, bool endStream, int maxFrameSize)
    {
        Encode(fields);
        Http2FrameWriter.WriteHeaderBlock(output, streamId, _block.WrittenSpan, endStream, maxFrameSize);
    }

    /// <summary>Writes <paramref name="fields"/> as PUSH_PROMISE (+ CONTINUATION) on <paramref name="streamId"/> promising <paramref name="promisedStreamId"/> (section 6.6).</summary>
    public void WritePushPromise(IBufferWriter<byte> output, int streamId, int promisedStreamId, List<HpackHeaderField> fields, int maxFrameSize)
    {
        Encode(fields);
        Http2FrameWriter.WritePushPromiseBlock(output, streamId, promisedStreamId, _block.WrittenSpan, maxFrameSize);
    }

    /// <summary>Returns the pooled scratch buffer.</summary>
    public void Dispose() => _block.Dispose();

    private void Encode(List<HpackHeaderField> fields)
    {
        _block.Clear();
        _encoder.Encode(CollectionsMarshal.AsSpan(fields), _block);
    }
}
