using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace MockKit.Http2;

// Typed payload parsing (RFC 9113 section 6). Each method expects a frame that already
// passed Http2FrameReader.Validate (TryReadFrame does that), i.e. the right stream scope and
// fixed lengths; what remains here are the rules that need the payload bytes.
public static partial class Http2FrameReader
{
    /// <summary>
    /// Returns the data of a DATA frame without padding. Flow control counts the whole
    /// frame (<c>Header.Length</c>, padding included, section 6.9.1).
    /// <code>
    /// DATA Frame {
    ///   Length (24),
    ///   Type (8) = 0x00,
    ///   Unused Flags (4),
    ///   PADDED Flag (1),
    ///   Unused Flags (2),
    ///   END_STREAM Flag (1),
    ///   Reserved (1),
    ///   Stream Identifier (31),
    ///   [Pad Length (8)],
    ///   Data (..),
    ///   Padding (..2040),
    /// }
    /// </code>
    /// </summary>
    public static ReadOnlySequence<byte> ReadData(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.Data);
        return RemovePadding(frame, fixedFieldsSize: 0);
    }

    /// <summary>Parses a HEADERS payload: strips padding, reads the optional priority fields (section 6.2).</summary>
    public static Http2HeadersPayload ReadHeaders(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.Headers);
        bool hasPriority = frame.Header.HasFlag(Http2FrameFlags.Priority);
        ReadOnlySequence<byte> content = RemovePadding(frame, hasPriority ? Http2PriorityFields.Size : 0);
        if (!hasPriority)
        {
            return new Http2HeadersPayload(null, content);
        }

        Http2PriorityFields priority = ReadPriorityFields(frame.StreamId, content.Slice(0, Http2PriorityFields.Size));
        return new Http2HeadersPayload(priority, content.Slice(Http2PriorityFields.Size));
    }

    /// <summary>
    /// Parses a PRIORITY payload (section 6.3).
    /// <code>
    /// PRIORITY Frame {
    ///   Length (24) = 0x05,
    ///   Type (8) = 0x02,
    ///   Unused Flags (8),
    ///   Reserved (1),
    ///   Stream Identifier (31),
    ///   Exclusive (1),
    ///   Stream Dependency (31),
    ///   Weight (8),
    /// }
    /// </code>
    /// </summary>
    public static Http2PriorityFields ReadPriority(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.Priority && frame.Payload.Length == Http2PriorityFields.Size);
        return ReadPriorityFields(frame.StreamId, frame.Payload);
    }

    /// <summary>
    /// Parses a RST_STREAM payload (section 6.4). Unknown codes are returned as-is (section 7:
    /// they "MUST NOT trigger any special behavior").
    /// <code>
    /// RST_STREAM Frame {
    ///   Length (24) = 0x04,
    ///   Type (8) = 0x03,
    ///   Unused Flags (8),
    ///   Reserved (1),
    ///   Stream Identifier (31),
    ///   Error Code (32),
    /// }
    /// </code>
    /// </summary>
    public static Http2ErrorCode ReadRstStream(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.RstStream && frame.Payload.Length == 4);
        return (Http2ErrorCode)ReadUInt32(frame.Payload);
    }

    /// <summary>Parses a PUSH_PROMISE payload (section 6.6): strips padding, reads the promised stream id.</summary>
    public static Http2PushPromisePayload ReadPushPromise(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.PushPromise);
        ReadOnlySequence<byte> content = RemovePadding(frame, fixedFieldsSize: 4);
        int promised = (int)(ReadUInt32(content) & Http2Constants.StreamIdMask);
        if (promised == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"PUSH_PROMISE on stream {frame.StreamId} promises stream 0.");
        }

        return new Http2PushPromisePayload(promised, content.Slice(4));
    }

    /// <summary>
    /// Returns the 8 opaque bytes of a PING (section 6.7), big-endian, so they can be echoed in the ACK.
    /// <code>
    /// PING Frame {
    ///   Length (24) = 0x08,
    ///   Type (8) = 0x06,
    ///   Unused Flags (7),
    ///   ACK Flag (1),
    ///   Reserved (1),
    ///   Stream Identifier (31) = 0,
    ///   Opaque Data (64),
    /// }
    /// </code>
    /// </summary>
    public static ulong ReadPing(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.Ping && frame.Payload.Length == 8);
        Span<byte> bytes = stackalloc byte[8];
        frame.Payload.CopyTo(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    /// <summary>Parses a GOAWAY payload (section 6.8).</summary>
    public static Http2GoAwayPayload ReadGoAway(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.GoAway && frame.Payload.Length >= 8);
        int lastStreamId = (int)(ReadUInt32(frame.Payload) & Http2Constants.StreamIdMask);
        var code = (Http2ErrorCode)ReadUInt32(frame.Payload.Slice(4));
        return new Http2GoAwayPayload(lastStreamId, code, frame.Payload.Slice(8));
    }

    /// <summary>
    /// Returns the increment of a WINDOW_UPDATE (section 6.9), 1..2^31-1.
    /// <code>
    /// WINDOW_UPDATE Frame {
    ///   Length (24) = 0x04,
    ///   Type (8) = 0x08,
    ///   Unused Flags (8),
    ///   Reserved (1),
    ///   Stream Identifier (31),
    ///   Reserved (1),
    ///   Window Size Increment (31),
    /// }
    /// </code>
    /// </summary>
    /// <exception cref="Http2StreamException">Increment 0 on a stream.</exception>
    /// <exception cref="Http2ConnectionException">Increment 0 on the connection.</exception>
    public static int ReadWindowUpdate(in Http2Frame frame)
    {
        Debug.Assert(frame.Type == Http2FrameType.WindowUpdate && frame.Payload.Length == 4);
        int increment = (int)(ReadUInt32(frame.Payload) & Http2Constants.StreamIdMask);
        if (increment == 0)
        {
            // Section 6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
            // flow-control window increment of 0 as a stream error of type PROTOCOL_ERROR; errors
            // on the connection flow-control window MUST be treated as a connection error".
            const string Message = "WINDOW_UPDATE has a window size increment of 0.";
            if (frame.StreamId == 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, Message);
            }

            throw new Http2StreamException(frame.StreamId, Http2ErrorCode.ProtocolError, Message);
        }

        return increment;
    }

    /// <summary>
    /// Strips the Pad Length octet and the padding of a DATA, HEADERS or PUSH_PROMISE payload
    /// and returns what lies between (fixed fields such as priority or promised stream id first).
    /// </summary>
    private static ReadOnlySequence<byte> RemovePadding(in Http2Frame frame, int fixedFieldsSize)
    {
        ReadOnlySequence<byte> payload = frame.Payload;
        int padLength = 0;
        if (frame.Header.HasFlag(Http2FrameFlags.Padded))
        {
            if (payload.Length < 1)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                    $"{frame.Type} frame on stream {frame.StreamId} has the PADDED flag but no Pad Length octet.");
            }

            padLength = payload.FirstSpan[0];
            payload = payload.Slice(1);

            // Sections 6.1, 6.2, 6.6: "If the length of the padding is the length of the frame
            // payload or greater, the recipient MUST treat this as a connection error of type
            // PROTOCOL_ERROR." For HEADERS/PUSH_PROMISE the padding may not eat the fixed fields either.
            if (padLength > payload.Length - fixedFieldsSize)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    $"{frame.Type} frame on stream {frame.StreamId} has Pad Length {padLength}, which is not less than its payload length {frame.Header.Length}.");
            }
        }

        if (payload.Length - padLength < fixedFieldsSize)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"{frame.Type} frame on stream {frame.StreamId} is too short ({frame.Header.Length} bytes) for its mandatory fields.");
        }

        return payload.Slice(0, payload.Length - padLength);
    }

    private static Http2PriorityFields ReadPriorityFields(int streamId, ReadOnlySequence<byte> fields)
    {
        Span<byte> bytes = stackalloc byte[Http2PriorityFields.Size];
        fields.Slice(0, Http2PriorityFields.Size).CopyTo(bytes);
        uint raw = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        int dependency = (int)(raw & Http2Constants.StreamIdMask);
        if (dependency == streamId)
        {
            // Section 5.3.1 of RFC 7540 (kept by RFC 9113 section 5.3.2): "A stream cannot depend
            // on itself. An endpoint MUST treat this as a stream error of type PROTOCOL_ERROR."
            throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError, $"Stream {streamId} declares a priority dependency on itself.");
        }

        return new Http2PriorityFields(dependency, (raw & 0x8000_0000) != 0, bytes[4] + 1);
    }

    private static uint ReadUInt32(in ReadOnlySequence<byte> source)
    {
        Span<byte> bytes = stackalloc byte[4];
        source.Slice(0, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }
}
