namespace MockKit.Http2.Hpack;

/// <summary>
/// The decoded field section exceeded the decoder's <see cref="HpackDecoder.MaxHeaderListSize"/>
/// (RFC 9113 section 6.5.2, counted as name + value + 32 per field).
/// </summary>
/// <remarks>
/// Unlike its base class this is not a loss of the HPACK context: the decoder finished the whole
/// block, kept its dynamic table in sync and only stopped reporting fields. The connection may
/// therefore answer per stream (a server: 431 or RST_STREAM; RFC 9113 section 10.5.1) and keep going.
/// Catch it before <see cref="HpackDecodingException"/>; a catch ladder that does not is still safe
/// (it just closes the connection with COMPRESSION_ERROR).
/// </remarks>
public sealed class HpackHeaderListTooLargeException : HpackDecodingException
{
    /// <summary>Creates the exception.</summary>
    public HpackHeaderListTooLargeException(long size, long limit)
        : base($"The decoded header list is at least {size} bytes (name + value + 32 per field), above the limit of {limit}.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The size reached when decoding stopped reporting fields (a lower bound of the full size).</summary>
    public long Size { get; }

    /// <summary>The limit in force.</summary>
    public long Limit { get; }
}
