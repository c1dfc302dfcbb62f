using System.Buffers;
using System.Globalization;

namespace MockKit.Http1;

/// <summary>What one call to <see cref="ChunkedBodyDecoder.Read"/> produced.</summary>
public enum ChunkedReadResult
{
    /// <summary>The decoder needs more bytes; nothing more can be consumed from this buffer.</summary>
    NeedMoreData,

    /// <summary>Chunk data was returned; call again.</summary>
    Data,

    /// <summary>The last chunk and the trailer section were read; the body is complete.</summary>
    Completed,
}

/// <summary>
/// A resumable decoder for the chunked transfer coding (RFC 9112 section 7.1), used by the
/// server for request bodies and by the client for response bodies. Feed it whatever has
/// arrived; it returns chunk data as views of the input and never throws on short input.
/// </summary>
/// <remarks>Not thread-safe: one decoder belongs to one message at a time; <see cref="Reset"/> readies it
/// for the next message (the client keeps one per connection).</remarks>
public sealed class ChunkedBodyDecoder
{
    // A chunk-size line with extensions longer than this is hostile (RFC 9112 section 7.1.1
    // lets a recipient limit extension length).
    private const int MaxChunkHeaderBytes = 4096;

    private readonly Http1Limits _trailerLimits;
    private readonly int _maxRecordedChunkSizes;
    private List<int>? _chunkSizes;
    private State _state = State.ChunkHeader;
    private long _remainingInChunk;

    /// <summary>Creates a decoder.</summary>
    /// <param name="trailerLimits">Limits applied to the trailer section.</param>
    /// <param name="maxRecordedChunkSizes">
    /// How many chunk sizes <see cref="ChunkSizes"/> keeps (the first ones); later chunks are
    /// only counted in <see cref="ChunkCount"/>. 0 (the default, for readers that never look)
    /// keeps none, so a peer sending millions of one-byte chunks costs no memory.
    /// </param>
    public ChunkedBodyDecoder(Http1Limits trailerLimits, int maxRecordedChunkSizes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRecordedChunkSizes);
        _trailerLimits = trailerLimits;
        _maxRecordedChunkSizes = maxRecordedChunkSizes;
    }

    private enum State
    {
        ChunkHeader,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
    }

    /// <summary>
    /// The sizes of the first data chunks read so far (at most the count given to the
    /// constructor), in order; the last, empty chunk is excluded.
    /// </summary>
    public IReadOnlyList<int> ChunkSizes => (IReadOnlyList<int>?)_chunkSizes ?? [];

    /// <summary>How many data chunks were read so far, recorded in <see cref="ChunkSizes"/> or not.</summary>
    public long ChunkCount { get; private set; }

    /// <summary>The trailer fields, once <see cref="IsCompleted"/>; emptied by <see cref="Reset"/>.</summary>
    public List<KeyValuePair<string, string>> Trailers { get; } = [];

    /// <summary>True once the last chunk and trailers were read.</summary>
    public bool IsCompleted => _state == State.Done;

    /// <summary>Forgets the previous message: chunk sizes, count, trailers and state.</summary>
    public void Reset()
    {
        _chunkSizes?.Clear();
        ChunkCount = 0;
        Trailers.Clear();
        _state = State.ChunkHeader;
        _remainingInChunk = 0;
    }

    /// <summary>Decodes from <paramref name="reader"/>, advancing it past what was consumed.</summary>
    /// <param name="reader">The received bytes.</param>
    /// <param name="data">Chunk data when the result is <see cref="ChunkedReadResult.Data"/>;
    /// it is a view of the input, so use it before releasing the buffer.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="Http1ParseException">Malformed chunk framing (400).</exception>
    public ChunkedReadResult Read(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> data)
    {
        data = default;
        while (true)
        {
            switch (_state)
            {
                case State.ChunkHeader:
                    if (!TryReadChunkHeader(ref reader))
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    continue;

                case State.ChunkData:
                    if (reader.Remaining == 0)
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    var take = Math.Min(_remainingInChunk, reader.Remaining);
                    data = reader.UnreadSequence.Slice(0, take);
                    reader.Advance(take);
                    _remainingInChunk -= take;
                    if (_remainingInChunk == 0)
                    {
                        _state = State.ChunkDataEnd;
                    }

                    return ChunkedReadResult.Data;

                case State.ChunkDataEnd:
                    if (!TryReadDataCrLf(ref reader))
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    _state = State.ChunkHeader;
                    continue;

                case State.Trailers:
                    if (!Http1HeadParser.TryParseFieldSection(ref reader, _trailerLimits, 0, out _, into: Trailers))
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    _state = State.Done;
                    return ChunkedReadResult.Completed;

                default:
                    return ChunkedReadResult.Completed;
            }
        }
    }

    // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: exactly CRLF after the data, or the
    // chunk is longer than its size says (or its line ending is a bare LF, see TryReadChunkHeader).
    // Checked byte by byte, so the error is the same however the bytes arrive.
    private static bool TryReadDataCrLf(ref SequenceReader<byte> reader)
    {
        if (reader.IsNext("\r\n"u8, advancePast: true))
        {
            return true;
        }

        if (reader.Remaining >= 2 || (reader.TryPeek(out var first) && first != (byte)'\r'))
        {
            throw Http1ParseException.BadRequest("Chunk data is not followed by CRLF (the chunk is longer than its size, or its line ends without CR).");
        }

        return false;
    }

    // chunk-size = 1*HEXDIG; chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
    private bool TryReadChunkHeader(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> rawLine, (byte)'\n'))
        {
            if (reader.Remaining > MaxChunkHeaderBytes)
            {
                throw Http1ParseException.BadRequest($"Chunk header is longer than {MaxChunkHeaderBytes} bytes.");
            }

            return false;
        }

        if (rawLine.Length > MaxChunkHeaderBytes)
        {
            throw Http1ParseException.BadRequest($"Chunk header is longer than {MaxChunkHeaderBytes} bytes.");
        }

        // chunk-size [ chunk-ext ] CRLF. RFC 9112 section 2.2 lets a recipient end the start line and
        // field lines with a bare LF, not chunk lines: a decoder that accepts one where another on
        // the path does not reads a different body, and section 2.2 asks a server to answer 400.
        if (rawLine.IsEmpty || rawLine.Slice(rawLine.Length - 1).FirstSpan[0] != (byte)'\r')
        {
            throw Http1ParseException.BadRequest("Chunk size line does not end with CRLF (RFC 9112 section 7.1).");
        }

        var line = Http1HeadParser.TrimCr(rawLine);
        var digits = 0;
        while (digits < line.Length && char.IsAsciiHexDigit((char)line[digits]))
        {
            digits++;
        }

        if (digits == 0)
        {
            throw Http1ParseException.BadRequest($"Invalid chunk size '{Http1HeadParser.Printable(line)}'.");
        }

        var extension = line[digits..].TrimStart(" \t"u8);
        if (!extension.IsEmpty && extension[0] != (byte)';')
        {
            throw Http1ParseException.BadRequest($"Invalid chunk size '{Http1HeadParser.Printable(line)}'.");
        }

        // ChunkSizes is a list of int: a chunk of 2 GiB or more in a test is hostile (a body of
        // any size can still be sent as many chunks).
        // Parsed from the bytes (no string per chunk: this runs for every chunk of every body).
        var hex = line[..digits].TrimStart((byte)'0');
        var size = 0L;
        if (hex.Length > 8 || (!hex.IsEmpty && !long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out size))
            || size > int.MaxValue)
        {
            throw Http1ParseException.BadRequest($"Chunk size '{Http1HeadParser.Printable(line[..digits])}' is too large.");
        }

        if (size == 0)
        {
            _state = State.Trailers;
            return true;
        }

        if (ChunkCount < _maxRecordedChunkSizes)
        {
            (_chunkSizes ??= []).Add((int)size);
        }

        ChunkCount++;
        _remainingInChunk = size;
        _state = State.ChunkData;
        return true;
    }
}
