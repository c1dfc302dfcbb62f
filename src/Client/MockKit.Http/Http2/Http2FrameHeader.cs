using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace MockKit.Http2;

/// <summary>
/// The fixed 9-octet header every frame starts with (RFC 9113 section 4.1):
/// <code>
/// HTTP Frame {
///   Length (24),
///   Type (8),
///   Flags (8),
///   Reserved (1),
///   Stream Identifier (31),
///   Frame Payload (..),
/// }
/// </code>
/// The reserved bit "MUST remain unset (0x0) when sending and MUST be ignored when receiving".
/// </summary>
public readonly record struct Http2FrameHeader(int Length, Http2FrameType Type, Http2FrameFlags Flags, int StreamId)
{
    /// <summary>Whether every bit of <paramref name="flag"/> is set.</summary>
    public bool HasFlag(Http2FrameFlags flag) => (Flags & flag) == flag;

    /// <summary>Whether the type is one of the ten defined by RFC 9113 (others are ignored, section 5.5).</summary>
    public bool IsKnownType => Type <= Http2FrameType.Continuation;

    /// <summary>Reads a header from the start of <paramref name="buffer"/>; false when fewer than 9 bytes are available.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out Http2FrameHeader header)
    {
        if (buffer.Length < Http2Constants.FrameHeaderSize)
        {
            header = default;
            return false;
        }

        Span<byte> bytes = stackalloc byte[Http2Constants.FrameHeaderSize];
        buffer.Slice(0, Http2Constants.FrameHeaderSize).CopyTo(bytes);
        header = Read(bytes);
        return true;
    }

    /// <summary>Reads a header from exactly 9 bytes.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> bytes)
    {
        Debug.Assert(bytes.Length >= Http2Constants.FrameHeaderSize);
        int length = (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
        uint streamId = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]) & Http2Constants.StreamIdMask;
        return new Http2FrameHeader(length, (Http2FrameType)bytes[3], (Http2FrameFlags)bytes[4], (int)streamId);
    }

    /// <summary>Writes the header into the first 9 bytes of <paramref name="destination"/> (reserved bit clear).</summary>
    public void WriteTo(Span<byte> destination)
    {
        Debug.Assert(destination.Length >= Http2Constants.FrameHeaderSize);
        Debug.Assert(Length is >= 0 and <= Http2Constants.MaxAllowedFrameSize, "Frame length must fit 24 bits.");
        Debug.Assert(StreamId >= 0, "Stream identifiers are 31-bit.");
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId & Http2Constants.StreamIdMask);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} stream={StreamId} length={Length} flags=0x{(byte)Flags:x2}";
}
