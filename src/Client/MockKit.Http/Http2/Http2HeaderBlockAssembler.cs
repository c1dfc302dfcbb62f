using System.Buffers;
using System.Diagnostics;

namespace MockKit.Http2;

/// <summary>
/// Collects a field block that spans a HEADERS or PUSH_PROMISE frame and its CONTINUATION
/// frames (RFC 9113 sections 4.3, 6.10) into one contiguous buffer for the HPACK decoder.
/// </summary>
/// <remarks>
/// <para>The reader loop calls <see cref="CheckSequence"/> for every frame before dispatching it:
/// section 4.3 says a field block "MUST be transmitted as a contiguous sequence of frames, with
/// no interleaved frames of any other type or from any other stream", and section 6.10 that a
/// CONTINUATION not preceded by an unfinished HEADERS, PUSH_PROMISE or CONTINUATION on the same
/// stream is a connection error of type PROTOCOL_ERROR.</para>
/// <para>Flood protection: the block has to be decoded in full to keep the HPACK context in sync,
/// so a block larger than <see cref="MaxBlockSize"/>, or more than <see cref="MaxContinuationFrames"/>
/// CONTINUATION frames (zero-length frames grow nothing but still cost work), cannot be
/// refused per stream. We answer with a connection error of type ENHANCE_YOUR_CALM, the code
/// section 10.5 names for peers "generating excessive load"; the message says which limit tripped.</para>
/// <para>Buffer ownership: the assembler rents its buffer from <see cref="ArrayPool{T}.Shared"/> and
/// owns it until <see cref="Reset"/> or <see cref="Dispose"/>; <see cref="Block"/> is only valid until
/// then. In DEBUG builds the first rental is tiny so the growth path runs in every test. Not
/// thread-safe: one per connection, used by the reader loop only.</para>
/// </remarks>
public sealed class Http2HeaderBlockAssembler : IDisposable
{
#if DEBUG
    private const int InitialBufferSize = 16;
#else
    private const int InitialBufferSize = 4096;
#endif

    private byte[]? _buffer; // Owned: rented from ArrayPool<byte>.Shared, returned by Reset/Dispose.
    private int _length;
    private int _continuations;

    /// <summary>Creates an assembler.</summary>
    /// <param name="maxBlockSize">Largest accepted field block, in bytes (compressed); at least 1.</param>
    /// <param name="maxContinuationFrames">Most CONTINUATION frames accepted for one block.</param>
    public Http2HeaderBlockAssembler(int maxBlockSize = 256 * 1024, int maxContinuationFrames = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlockSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxContinuationFrames);
        MaxBlockSize = maxBlockSize;
        MaxContinuationFrames = maxContinuationFrames;
    }

    /// <summary>Largest accepted field block in bytes.</summary>
    public int MaxBlockSize { get; }

    /// <summary>Most CONTINUATION frames accepted for one block.</summary>
    public int MaxContinuationFrames { get; }

    /// <summary>True between a HEADERS/PUSH_PROMISE without END_HEADERS and the frame that ends the block.</summary>
    public bool IsExpectingContinuation { get; private set; }

    /// <summary>True once the block has END_HEADERS; <see cref="Block"/> is then complete.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The header of the HEADERS or PUSH_PROMISE frame that started the block (END_STREAM lives there).</summary>
    public Http2FrameHeader FirstHeader { get; private set; }

    /// <summary>The promised stream id when the block belongs to a PUSH_PROMISE; otherwise 0.</summary>
    public int PromisedStreamId { get; private set; }

    /// <summary>The priority fields of the HEADERS frame, if it carried them.</summary>
    public Http2PriorityFields? Priority { get; private set; }

    /// <summary>The assembled bytes so far; valid until <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Block => _buffer.AsSpan(0, _length);

    /// <summary>
    /// Enforces the contiguity rule for every inbound frame; call it before dispatching any frame.
    /// </summary>
    /// <exception cref="Http2ConnectionException">PROTOCOL_ERROR for an interleaved frame or a stray CONTINUATION.</exception>
    public void CheckSequence(in Http2FrameHeader header)
    {
        if (IsExpectingContinuation)
        {
            if (header.Type != Http2FrameType.Continuation || header.StreamId != FirstHeader.StreamId)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    $"Expected CONTINUATION on stream {FirstHeader.StreamId} to finish its field block, but received {header.Type} on stream {header.StreamId}.");
            }
        }
        else if (header.Type == Http2FrameType.Continuation)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"CONTINUATION on stream {header.StreamId} does not follow a HEADERS or PUSH_PROMISE frame without END_HEADERS.");
        }
    }

    /// <summary>Starts a block with the fragment of a HEADERS frame.</summary>
    /// <returns>True when the frame had END_HEADERS, i.e. the block is already complete.</returns>
    public bool StartHeaders(in Http2Frame frame, in Http2HeadersPayload payload)
    {
        Debug.Assert(frame.Type == Http2FrameType.Headers);
        Start(frame.Header, payload.Fragment);
        Priority = payload.Priority;
        return IsComplete;
    }

    /// <summary>Starts a block with the fragment of a PUSH_PROMISE frame.</summary>
    /// <returns>True when the frame had END_HEADERS.</returns>
    public bool StartPushPromise(in Http2Frame frame, in Http2PushPromisePayload payload)
    {
        Debug.Assert(frame.Type == Http2FrameType.PushPromise);
        Start(frame.Header, payload.Fragment);
        PromisedStreamId = payload.PromisedStreamId;
        return IsComplete;
    }

    /// <summary>Appends a CONTINUATION frame already accepted by <see cref="CheckSequence"/>.</summary>
    /// <returns>True when it carried END_HEADERS.</returns>
    /// <exception cref="Http2ConnectionException">ENHANCE_YOUR_CALM when a flood limit is exceeded.</exception>
    public bool AppendContinuation(in Http2Frame frame)
    {
        CheckSequence(frame.Header);
        if (frame.Type != Http2FrameType.Continuation)
        {
            throw new InvalidOperationException($"AppendContinuation was given a {frame.Type} frame.");
        }

        if (++_continuations > MaxContinuationFrames)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"Field block on stream {frame.StreamId} uses more than {MaxContinuationFrames} CONTINUATION frames.");
        }

        Append(frame.StreamId, frame.Payload);
        Complete(frame.Header);
        return IsComplete;
    }

    /// <summary>Forgets the block and returns the buffer to the pool (ready for the next block).</summary>
    public void Reset()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _length = 0;
        _continuations = 0;
        IsExpectingContinuation = false;
        IsComplete = false;
        FirstHeader = default;
        PromisedStreamId = 0;
        Priority = null;
    }

    /// <inheritdoc/>
    public void Dispose() => Reset();

    private void Start(in Http2FrameHeader header, ReadOnlySequence<byte> fragment)
    {
        if (IsExpectingContinuation || IsComplete)
        {
            throw new InvalidOperationException("The previous field block was not consumed and Reset.");
        }

        Debug.Assert(_length == 0 && _continuations == 0);
        FirstHeader = header;
        Append(header.StreamId, fragment);
        Complete(header);
    }

    private void Complete(in Http2FrameHeader header)
    {
        IsComplete = header.HasFlag(Http2FrameFlags.EndHeaders);
        IsExpectingContinuation = !IsComplete;
    }

    private void Append(int streamId, in ReadOnlySequence<byte> fragment)
    {
        long needed = _length + fragment.Length;
        if (needed > MaxBlockSize)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm,
                $"Field block on stream {streamId} exceeds the limit of {MaxBlockSize} bytes.");
        }

        if (fragment.IsEmpty)
        {
            return;
        }

        if (_buffer is null || needed > _buffer.Length)
        {
            byte[] grown = ArrayPool<byte>.Shared.Rent(Math.Max((int)needed, Math.Max(InitialBufferSize, (_buffer?.Length ?? 0) * 2)));
            if (_buffer is { } old)
            {
                old.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(old);
            }

            _buffer = grown;
        }

        fragment.CopyTo(_buffer.AsSpan(_length));
        _length = (int)needed;
    }
}
