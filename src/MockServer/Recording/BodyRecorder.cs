using System.Buffers;

namespace MockKit.MockServer.Recording;

/// <summary>
/// Accumulates a request body for recording: keeps at most <c>limit</c> bytes, counts them all.
/// </summary>
internal sealed class BodyRecorder(long limit)
{
    private readonly ArrayBufferWriter<byte> _kept = new();

    /// <summary>Bytes received, kept or not.</summary>
    public long Size { get; private set; }

    public void Append(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Append(segment.Span);
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        var room = limit - _kept.WrittenCount;
        if (room > 0)
        {
            _kept.Write(data[..(int)Math.Min(room, data.Length)]);
        }

        Size += data.Length;
    }

    public byte[] ToArray() => _kept.WrittenSpan.ToArray();
}
