using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// Splits an inbound byte stream into frames and enforces the frame-level rules of
/// RFC 9113 sections 4.2 and 6 that need only the frame header: size limit, which frames
/// belong on stream 0, and fixed payload lengths. Payload contents (padding, priority
/// fields, window increments, settings) are parsed by the typed <c>Read…</c> methods in
/// <c>Http2FrameReader.Payloads.cs</c>.
/// </summary>
/// <remarks>
/// Written once for both roles; it keeps no state, so the reader loop can call it as new
/// bytes arrive. Short input never throws: it returns false and leaves the buffer alone.
/// Errors are <see cref="Http2ConnectionException"/> or <see cref="Http2StreamException"/>;
/// when one is thrown the buffer has already been advanced past the offending frame, so
/// after a stream error (RST_STREAM) the loop simply continues with the advanced buffer.
/// </remarks>
public static partial class Http2FrameReader
{
    /// <summary>
    /// Reads one complete frame from the start of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Unconsumed input; on success (or on a validation error) it is advanced past the frame.</param>
    /// <param name="maxFrameSize">Our SETTINGS_MAX_FRAME_SIZE, 16384..16777215.</param>
    /// <param name="frame">The frame; its payload is a slice of the original buffer.</param>
    /// <returns>False when more bytes are needed; <paramref name="buffer"/> is then untouched.</returns>
    /// <exception cref="Http2ConnectionException">Oversized frame or a connection-level header rule broken.</exception>
    /// <exception cref="Http2StreamException">A stream-level header rule broken (PRIORITY of the wrong length).</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, uint maxFrameSize, out Http2Frame frame)
    {
        if (!Http2FrameHeader.TryRead(buffer, out Http2FrameHeader header))
        {
            frame = default;
            return false;
        }

        // Section 4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame exceeds
        // the size defined in SETTINGS_MAX_FRAME_SIZE". We refuse to buffer such a frame at all, so
        // we cannot skip it and keep going; it is a connection error for every frame type.
        if ((uint)header.Length > maxFrameSize)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"{header.Type} frame on stream {header.StreamId} has length {header.Length}, more than SETTINGS_MAX_FRAME_SIZE {maxFrameSize}.");
        }

        long total = Http2Constants.FrameHeaderSize + (long)header.Length;
        if (buffer.Length < total)
        {
            frame = default;
            return false;
        }

        frame = new Http2Frame(header, buffer.Slice(Http2Constants.FrameHeaderSize, header.Length));
        buffer = buffer.Slice(total);
        Validate(header);
        return true;
    }

    /// <summary>
    /// Applies the stream-identifier and fixed-length rules of RFC 9113 section 6 to a header.
    /// Unknown frame types pass (section 5.5: "Implementations MUST ignore and discard frames of unknown types").
    /// </summary>
    public static void Validate(in Http2FrameHeader header)
    {
        switch (header.Type)
        {
            case Http2FrameType.Data:
            case Http2FrameType.Headers:
            case Http2FrameType.Continuation:
            case Http2FrameType.PushPromise:
                RequireStream(header);
                break;

            case Http2FrameType.Priority:
                RequireStream(header);
                if (header.Length != 5)
                {
                    // Section 6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated
                    // as a stream error (Section 5.4.2) of type FRAME_SIZE_ERROR."
                    throw new Http2StreamException(header.StreamId, Http2ErrorCode.FrameSizeError,
                        $"PRIORITY frame has length {header.Length}; it must be 5.");
                }

                break;

            case Http2FrameType.RstStream:
                RequireStream(header);
                RequireLength(header, 4); // Section 6.4.
                break;

            case Http2FrameType.Settings:
                RequireConnection(header);
                if (header.HasFlag(Http2FrameFlags.Ack) && header.Length != 0)
                {
                    // Section 6.5: ACK with a payload is a connection error of type FRAME_SIZE_ERROR.
                    throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                        $"SETTINGS frame with ACK has a {header.Length}-byte payload; it must be empty.");
                }

                if (header.Length % 6 != 0)
                {
                    // Section 6.5: a length not a multiple of 6 is a connection FRAME_SIZE_ERROR.
                    throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                        $"SETTINGS frame has length {header.Length}, not a multiple of 6.");
                }

                break;

            case Http2FrameType.Ping:
                RequireConnection(header);
                RequireLength(header, 8); // Section 6.7.
                break;

            case Http2FrameType.GoAway:
                RequireConnection(header);
                if (header.Length < 8)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                        $"GOAWAY frame has length {header.Length}; it must be at least 8.");
                }

                break;

            case Http2FrameType.WindowUpdate:
                // Section 6.9: valid on stream 0 (connection window) and on any stream; a length
                // other than 4 is a connection error of type FRAME_SIZE_ERROR.
                RequireLength(header, 4);
                break;
        }
    }

    /// <summary>DATA, HEADERS, PRIORITY, RST_STREAM, PUSH_PROMISE and CONTINUATION belong to a stream.</summary>
    private static void RequireStream(in Http2FrameHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"{header.Type} frame received on stream 0; it must be associated with a stream.");
        }
    }

    /// <summary>SETTINGS, PING and GOAWAY apply to the connection as a whole.</summary>
    private static void RequireConnection(in Http2FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"{header.Type} frame received on stream {header.StreamId}; it must be sent on stream 0.");
        }
    }

    private static void RequireLength(in Http2FrameHeader header, int length)
    {
        if (header.Length != length)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"{header.Type} frame on stream {header.StreamId} has length {header.Length}; it must be {length}.");
        }
    }
}
