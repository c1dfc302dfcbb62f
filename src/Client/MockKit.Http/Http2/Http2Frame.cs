using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// One frame returned by <see cref="Http2FrameReader.TryReadFrame"/>: the header and the
/// payload. The payload is a slice of the reader loop's input buffer, valid only until the
/// caller advances its <c>PipeReader</c> (or otherwise releases that buffer); copy what must live longer.
/// </summary>
public readonly struct Http2Frame
{
    /// <summary>Creates a frame over a payload slice.</summary>
    public Http2Frame(Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    /// <summary>The 9-byte frame header.</summary>
    public Http2FrameHeader Header { get; }

    /// <summary>The raw payload (padding and priority fields included); <c>Header.Length</c> bytes.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>Shortcut for <c>Header.Type</c>.</summary>
    public Http2FrameType Type => Header.Type;

    /// <summary>Shortcut for <c>Header.StreamId</c>.</summary>
    public int StreamId => Header.StreamId;

    /// <summary>Shortcut for <c>Header.Flags</c>.</summary>
    public Http2FrameFlags Flags => Header.Flags;

    /// <inheritdoc/>
    public override string ToString() => Header.ToString();
}
