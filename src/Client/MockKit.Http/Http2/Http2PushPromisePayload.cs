using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// A parsed PUSH_PROMISE payload (RFC 9113 section 6.6) with padding removed:
/// <code>
/// PUSH_PROMISE Frame {
///   Length (24),
///   Type (8) = 0x05,
///   Unused Flags (4),
///   PADDED Flag (1),
///   END_HEADERS Flag (1),
///   Unused Flags (2),
///   Reserved (1),
///   Stream Identifier (31),
///   [Pad Length (8)],
///   Reserved (1),
///   Promised Stream ID (31),
///   Field Block Fragment (..),
///   Padding (..2040),
/// }
/// </code>
/// </summary>
/// <param name="PromisedStreamId">The stream the sender reserves.</param>
/// <param name="Fragment">The field block fragment (a slice of the frame payload).</param>
public readonly record struct Http2PushPromisePayload(int PromisedStreamId, ReadOnlySequence<byte> Fragment);
