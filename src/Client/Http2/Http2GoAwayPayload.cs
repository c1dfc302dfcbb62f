using System.Buffers;

namespace MockKit.Http2;

/// <summary>
/// A parsed GOAWAY payload (RFC 9113 section 6.8):
/// <code>
/// GOAWAY Frame {
///   Length (24),
///   Type (8) = 0x07,
///   Unused Flags (8),
///   Reserved (1),
///   Stream Identifier (31) = 0,
///   Reserved (1),
///   Last-Stream-ID (31),
///   Error Code (32),
///   Additional Debug Data (..),
/// }
/// </code>
/// </summary>
/// <param name="LastStreamId">Highest peer-initiated stream the sender processed or might process.</param>
/// <param name="ErrorCode">Why the connection is closing.</param>
/// <param name="DebugData">Opaque diagnostic bytes (a slice of the frame payload).</param>
internal readonly record struct Http2GoAwayPayload(int LastStreamId, Http2ErrorCode ErrorCode, ReadOnlySequence<byte> DebugData);
