using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace MockKit.Http2;

/// <summary>
/// Serializes frames (RFC 9113 section 6) into an <see cref="IBufferWriter{T}"/>. Stateless and
/// written once for both roles and for test peers; the connection's single writer owns the
/// buffer writer and decides ordering. The layouts are drawn on the corresponding
/// <c>Http2FrameReader.Read…</c> methods and payload structs. Callers keep payloads within
/// the peer's SETTINGS_MAX_FRAME_SIZE (asserted in DEBUG); <see cref="WriteHeaderBlock"/>
/// does the splitting for field blocks. Padding is given as the pad length (0..255); null means
/// no PADDED flag.
/// </summary>
public static class Http2FrameWriter
{
    /// <summary>Writes a frame of any type with a raw payload (also used by test peers for unknown or malformed frames).</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, Http2FrameType type, Http2FrameFlags flags, int streamId, ReadOnlySpan<byte> payload)
    {
        Span<byte> span = writer.GetSpan(Http2Constants.FrameHeaderSize + payload.Length);
        new Http2FrameHeader(payload.Length, type, flags, streamId).WriteTo(span);
        payload.CopyTo(span[Http2Constants.FrameHeaderSize..]);
        writer.Advance(Http2Constants.FrameHeaderSize + payload.Length);
    }

    /// <summary>Writes a DATA frame (section 6.1), optionally padded.</summary>
    public static void WriteData(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> data, bool endStream, byte? padLength = null)
    {
        Debug.Assert(streamId > 0);
        Http2FrameFlags flags = endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
        WritePadded(writer, Http2FrameType.Data, flags, streamId, [], data, padLength);
    }

    /// <summary>Writes a single HEADERS frame (section 6.2); see <see cref="WriteHeaderBlock"/> for blocks needing CONTINUATION.</summary>
    public static void WriteHeaders(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> fragment, bool endStream, bool endHeaders,
        Http2PriorityFields? priority = null, byte? padLength = null)
    {
        Debug.Assert(streamId > 0);
        Http2FrameFlags flags = (endStream ? Http2FrameFlags.EndStream : 0) | (endHeaders ? Http2FrameFlags.EndHeaders : 0);
        Span<byte> fixedFields = stackalloc byte[Http2PriorityFields.Size];
        int fixedLength = 0;
        if (priority is { } p)
        {
            flags |= Http2FrameFlags.Priority;
            WritePriorityFields(fixedFields, p);
            fixedLength = Http2PriorityFields.Size;
        }

        WritePadded(writer, Http2FrameType.Headers, flags, streamId, fixedFields[..fixedLength], fragment, padLength);
    }

    /// <summary>Writes a PRIORITY frame (section 6.3).</summary>
    public static void WritePriority(IBufferWriter<byte> writer, int streamId, Http2PriorityFields priority)
    {
        Span<byte> payload = stackalloc byte[Http2PriorityFields.Size];
        WritePriorityFields(payload, priority);
        WriteFrame(writer, Http2FrameType.Priority, Http2FrameFlags.None, streamId, payload);
    }

    /// <summary>Writes a RST_STREAM frame (section 6.4).</summary>
    public static void WriteRstStream(IBufferWriter<byte> writer, int streamId, Http2ErrorCode code)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        WriteFrame(writer, Http2FrameType.RstStream, Http2FrameFlags.None, streamId, payload);
    }

    /// <summary>Writes a SETTINGS frame (section 6.5) with the given entries, as-is (no validation, so test peers can send illegal values).</summary>
    public static void WriteSettings(IBufferWriter<byte> writer, ReadOnlySpan<Http2Setting> settings)
    {
        int length = settings.Length * Http2Setting.Size;
        Span<byte> span = writer.GetSpan(Http2Constants.FrameHeaderSize + length);
        new Http2FrameHeader(length, Http2FrameType.Settings, Http2FrameFlags.None, 0).WriteTo(span);
        Span<byte> payload = span[Http2Constants.FrameHeaderSize..];
        foreach (Http2Setting setting in settings)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)setting.Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload[2..], setting.Value);
            payload = payload[Http2Setting.Size..];
        }

        writer.Advance(Http2Constants.FrameHeaderSize + length);
    }

    /// <summary>Writes a SETTINGS frame announcing the non-null properties of <paramref name="settings"/>.</summary>
    public static void WriteSettings(IBufferWriter<byte> writer, Http2Settings settings) =>
        WriteSettings(writer, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Http2SettingsCodec.ToEntries(settings)));

    /// <summary>Writes an empty SETTINGS frame with the ACK flag (section 6.5.3).</summary>
    public static void WriteSettingsAck(IBufferWriter<byte> writer) =>
        WriteFrame(writer, Http2FrameType.Settings, Http2FrameFlags.Ack, 0, []);

    /// <summary>Writes a single PUSH_PROMISE frame (section 6.6); see <see cref="WritePushPromiseBlock"/> for long blocks.</summary>
    public static void WritePushPromise(IBufferWriter<byte> writer, int streamId, int promisedStreamId, ReadOnlySpan<byte> fragment,
        bool endHeaders, byte? padLength = null)
    {
        Debug.Assert(streamId > 0 && promisedStreamId > 0);
        Span<byte> promised = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(promised, (uint)promisedStreamId & Http2Constants.StreamIdMask);
        WritePadded(writer, Http2FrameType.PushPromise, endHeaders ? Http2FrameFlags.EndHeaders : 0, streamId, promised, fragment, padLength);
    }

    /// <summary>Writes a PING frame (section 6.7); an ACK echoes the opaque data of the ping it answers.</summary>
    public static void WritePing(IBufferWriter<byte> writer, ulong opaqueData, bool ack = false)
    {
        Span<byte> payload = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(payload, opaqueData);
        WriteFrame(writer, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : 0, 0, payload);
    }

    /// <summary>Writes a GOAWAY frame (section 6.8) with optional debug data.</summary>
    public static void WriteGoAway(IBufferWriter<byte> writer, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData = default)
    {
        int length = 8 + debugData.Length;
        Span<byte> span = writer.GetSpan(Http2Constants.FrameHeaderSize + length);
        new Http2FrameHeader(length, Http2FrameType.GoAway, Http2FrameFlags.None, 0).WriteTo(span);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], (uint)lastStreamId & Http2Constants.StreamIdMask);
        BinaryPrimitives.WriteUInt32BigEndian(span[13..], (uint)code);
        debugData.CopyTo(span[17..]);
        writer.Advance(Http2Constants.FrameHeaderSize + length);
    }

    /// <summary>Writes a WINDOW_UPDATE frame (section 6.9); stream 0 credits the connection window.</summary>
    public static void WriteWindowUpdate(IBufferWriter<byte> writer, int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment & Http2Constants.StreamIdMask);
        WriteFrame(writer, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId, payload);
    }

    /// <summary>
    /// Writes a CONTINUATION frame (section 6.10).
    /// <code>
    /// CONTINUATION Frame {
    ///   Length (24),
    ///   Type (8) = 0x09,
    ///   Unused Flags (5),
    ///   END_HEADERS Flag (1),
    ///   Unused Flags (2),
    ///   Reserved (1),
    ///   Stream Identifier (31),
    ///   Field Block Fragment (..),
    /// }
    /// </code>
    /// </summary>
    public static void WriteContinuation(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> fragment, bool endHeaders) =>
        WriteFrame(writer, Http2FrameType.Continuation, endHeaders ? Http2FrameFlags.EndHeaders : 0, streamId, fragment);

    /// <summary>
    /// Writes a complete encoded field block as one HEADERS frame followed by as many CONTINUATION
    /// frames as needed so that no payload exceeds <paramref name="maxFrameSize"/> (the peer's
    /// SETTINGS_MAX_FRAME_SIZE). END_STREAM goes on the HEADERS frame (section 8.1), END_HEADERS on the last frame.
    /// </summary>
    public static void WriteHeaderBlock(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> block, bool endStream, int maxFrameSize,
        Http2PriorityFields? priority = null)
    {
        int first = Math.Min(block.Length, maxFrameSize - (priority is null ? 0 : Http2PriorityFields.Size));
        WriteHeaders(writer, streamId, block[..first], endStream, endHeaders: first == block.Length, priority);
        WriteContinuations(writer, streamId, block[first..], maxFrameSize);
    }

    /// <summary>Like <see cref="WriteHeaderBlock"/> for PUSH_PROMISE (the promised stream id takes 4 bytes of the first frame).</summary>
    public static void WritePushPromiseBlock(IBufferWriter<byte> writer, int streamId, int promisedStreamId, ReadOnlySpan<byte> block, int maxFrameSize)
    {
        int first = Math.Min(block.Length, maxFrameSize - 4);
        WritePushPromise(writer, streamId, promisedStreamId, block[..first], endHeaders: first == block.Length);
        WriteContinuations(writer, streamId, block[first..], maxFrameSize);
    }

    private static void WriteContinuations(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> rest, int maxFrameSize)
    {
        Debug.Assert(maxFrameSize >= Http2Constants.DefaultMaxFrameSize);
        while (!rest.IsEmpty)
        {
            int size = Math.Min(rest.Length, maxFrameSize);
            WriteContinuation(writer, streamId, rest[..size], endHeaders: size == rest.Length);
            rest = rest[size..];
        }
    }

    private static void WritePadded(IBufferWriter<byte> writer, Http2FrameType type, Http2FrameFlags flags, int streamId,
        ReadOnlySpan<byte> fixedFields, ReadOnlySpan<byte> content, byte? padLength)
    {
        int padding = padLength ?? 0;
        int prefix = padLength is null ? 0 : 1;
        int length = prefix + fixedFields.Length + content.Length + padding;
        Debug.Assert(length <= Http2Constants.MaxAllowedFrameSize, "The caller splits payloads to the peer's max frame size.");
        if (padLength is not null)
        {
            flags |= Http2FrameFlags.Padded;
        }

        Span<byte> span = writer.GetSpan(Http2Constants.FrameHeaderSize + length);
        new Http2FrameHeader(length, type, flags, streamId).WriteTo(span);
        Span<byte> payload = span.Slice(Http2Constants.FrameHeaderSize, length);
        if (padLength is { } pad)
        {
            payload[0] = pad;
        }

        fixedFields.CopyTo(payload[prefix..]);
        content.CopyTo(payload[(prefix + fixedFields.Length)..]);
        payload[(length - padding)..].Clear(); // Section 6.1: "Padding octets MUST be set to zero when sending."
        writer.Advance(Http2Constants.FrameHeaderSize + length);
    }

    private static void WritePriorityFields(Span<byte> destination, Http2PriorityFields priority)
    {
        Debug.Assert(priority.Weight is >= 1 and <= 256);
        uint raw = ((uint)priority.StreamDependency & Http2Constants.StreamIdMask) | (priority.Exclusive ? 0x8000_0000u : 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination, raw);
        destination[4] = (byte)(priority.Weight - 1);
    }
}
