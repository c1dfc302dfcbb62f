using System.Diagnostics.CodeAnalysis;

namespace MockKit.Http2;

/// <summary>
/// Frame flags (RFC 9113 section 4.1). The meaning of a bit depends on the frame type,
/// so several names share a value: <see cref="EndStream"/> and <see cref="Ack"/> are both 0x1.
/// </summary>
[Flags]
[SuppressMessage("Naming", "CA1711", Justification = "RFC 9113 section 4.1 calls them the frame's flags.")]
public enum Http2FrameFlags : byte
{
    /// <summary>No flags set.</summary>
    None = 0x0,

    /// <summary>END_STREAM on DATA and HEADERS (sections 6.1, 6.2).</summary>
    EndStream = 0x1,

    /// <summary>ACK on SETTINGS and PING (sections 6.5, 6.7).</summary>
#pragma warning disable CA1069 // Deliberate: RFC 9113 gives bit 0x1 a different name per frame type.
    Ack = 0x1,
#pragma warning restore CA1069

    /// <summary>END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION (sections 6.2, 6.6, 6.10).</summary>
    EndHeaders = 0x4,

    /// <summary>PADDED on DATA, HEADERS and PUSH_PROMISE (sections 6.1, 6.2, 6.6).</summary>
    Padded = 0x8,

    /// <summary>PRIORITY on HEADERS (section 6.2).</summary>
    Priority = 0x20,
}
