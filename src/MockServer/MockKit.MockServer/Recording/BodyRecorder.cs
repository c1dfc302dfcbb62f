using System.Buffers;

namespace MockKit.MockServer.Recording;

/// <summary>
/// Accumulates a request body for recording: keeps at most <c>limit</c> bytes, counts them all
/// (as a <see cref="long"/>, so bodies past 2 GiB are counted, not failed).
/// </summary>
/// <remarks>
/// <para>Memory: the retained bytes become <see cref="RecordedRequest.Body"/> with at most one
/// copy. A body whose length is known up front and small (<see cref="MaxPresizedBytes"/>) is
/// written straight into the final array; anything else goes into fixed-size segments rented
/// from <see cref="ArrayPool{T}.Shared"/>, copied once into an exact-length array by
/// <see cref="Detach"/>, and returned to the pool. Nothing grows by doubling, so a large upload
/// never holds twice its retained size.</para>
/// <para>Not thread-safe: the owning codec serialises access (HTTP/2: the session lock).</para>
/// </remarks>
internal sealed class BodyRecorder
{
    /// <summary>Largest declared length that is allocated up front: a peer that declares a length and then sends nothing must not cost more.</summary>
    public const int MaxPresizedBytes = 64 * 1024;

    private const int SegmentBytes = 16 * 1024;

    private readonly int _limit;
    private byte[]? _presized;
    private List<byte[]>? _segments;
    private int _kept;
    private byte[]? _detached;

    /// <summary>Creates a recorder.</summary>
    /// <param name="limit">Bytes to retain; the rest is only counted. Clamped to the largest array .NET allows.</param>
    /// <param name="expectedLength">The declared body length when known (Content-Length), else -1.</param>
    public BodyRecorder(long limit, long expectedLength = -1)
    {
        _limit = (int)Math.Min(limit, Array.MaxLength);
        var presize = Math.Min(expectedLength, _limit);
        if (presize > 0 && presize <= MaxPresizedBytes)
        {
            _presized = GC.AllocateUninitializedArray<byte>((int)presize);
        }
    }

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
        Size += data.Length;

        // Once detached, the recorded array is final (a request recorded part-way, e.g. by an
        // OnRequestBody trigger, may see more bytes arrive): count them only.
        var room = _detached is null ? _limit - _kept : 0;
        if (room <= 0 || data.IsEmpty)
        {
            return;
        }

        data = data[..Math.Min(room, data.Length)];
        if (_presized is not null)
        {
            if (_kept + data.Length <= _presized.Length)
            {
                data.CopyTo(_presized.AsSpan(_kept));
                _kept += data.Length;
                return;
            }

            // More than declared (the codec reports the mismatch): continue in segments.
            MoveToSegments();
        }

        AppendToSegments(data);
    }

    /// <summary>
    /// The retained bytes as an array of exactly their length, made once: later calls return the
    /// same array and later appends are only counted. Returns pooled segments to the pool.
    /// </summary>
    public byte[] Detach()
    {
        if (_detached is not null)
        {
            return _detached;
        }

        byte[] result;
        if (_kept == 0)
        {
            result = [];
        }
        else if (_presized is not null)
        {
            result = _kept == _presized.Length ? _presized : _presized.AsSpan(0, _kept).ToArray();
        }
        else
        {
            result = GC.AllocateUninitializedArray<byte>(_kept);
            var offset = 0;
            foreach (var segment in _segments!)
            {
                var count = Math.Min(SegmentBytes, _kept - offset);
                segment.AsSpan(0, count).CopyTo(result.AsSpan(offset));
                offset += count;
                ArrayPool<byte>.Shared.Return(segment);
            }
        }

        _presized = null;
        _segments = null;
        _detached = result;
        return result;
    }

    private void AppendToSegments(ReadOnlySpan<byte> data)
    {
        _segments ??= [];
        while (!data.IsEmpty)
        {
            var used = _kept % SegmentBytes;
            if (used == 0 && _kept / SegmentBytes == _segments.Count)
            {
                _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentBytes));
            }

            var target = _segments[^1].AsSpan(used, SegmentBytes - used);
            var count = Math.Min(target.Length, data.Length);
            data[..count].CopyTo(target);
            data = data[count..];
            _kept += count;
        }
    }

    private void MoveToSegments()
    {
        var kept = _presized.AsSpan(0, _kept);
        _presized = null;
        _kept = 0;
        AppendToSegments(kept);
    }
}
