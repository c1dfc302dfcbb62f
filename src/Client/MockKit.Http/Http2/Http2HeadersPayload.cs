using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// A parsed HEADERS payload (RFC 9113 section 6.2) with padding removed:
/// <code>
/// HEADERS Frame {
///   Length (24),
///   Type (8) = 0x01,
///   Unused Flags (2),
///   PRIORITY Flag (1),
///   Unused Flag (1),
///   PADDED Flag (1),
///   END_HEADERS Flag (1),
///   Unused Flag (1),
///   END_STREAM Flag (1),
///   Reserved (1),
///   Stream Identifier (31),
///   [Pad Length (8)],
///   [Exclusive (1)],
///   [Stream Dependency (31)],
///   [Weight (8)],
///   Field Block Fragment (..),
///   Padding (..2040),
/// }
/// </code>
/// </summary>
/// <param name="Priority">The priority fields when the PRIORITY flag was set.</param>
/// <param name="Fragment">The field block fragment (a slice of the frame payload).</param>
public readonly record struct Http2HeadersPayload(Http2PriorityFields? Priority, ReadOnlySequence<byte> Fragment);
