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
public readonly record struct Http2GoAwayPayload(int LastStreamId, Http2ErrorCode ErrorCode, ReadOnlySequence<byte> DebugData)
{
    /// <summary>Most debug-data bytes quoted by <see cref="Describe"/>.</summary>
    private const int QuotedDebugBytes = 200;

    /// <summary>
    /// The frame for an error message: code, last stream id and the debug data as printable ASCII
    /// (other bytes as <c>\xNN</c>, at most 200 bytes quoted). Section 6.8 leaves the debug data's
    /// meaning to the sender; servers put their reason there (Kestrel, nginx), so it is worth showing.
    /// </summary>
    public string Describe()
    {
        if (DebugData.IsEmpty)
        {
            return $"GOAWAY({ErrorCode}, last stream {LastStreamId})";
        }

        var quoted = new System.Text.StringBuilder();
        var count = 0;
        foreach (var segment in DebugData)
        {
            foreach (var b in segment.Span)
            {
                if (count++ == QuotedDebugBytes)
                {
                    quoted.Append("...");
                    break;
                }

                if (b is >= 0x20 and < 0x7f && b != (byte)'\\')
                {
                    quoted.Append((char)b);
                }
                else
                {
                    quoted.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
                }
            }

            if (count > QuotedDebugBytes)
            {
                break;
            }
        }

        return $"GOAWAY({ErrorCode}, last stream {LastStreamId}, debug data \"{quoted}\")";
    }
}
