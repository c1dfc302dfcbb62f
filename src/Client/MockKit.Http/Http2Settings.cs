namespace MockKit;

/// <summary>
/// HTTP/2 SETTINGS an endpoint announces (RFC 9113 section 6.5.2). Every property is optional:
/// null means "do not send this setting", so the peer keeps assuming the RFC default.
/// Values are checked eagerly; an out-of-range value throws <see cref="ArgumentOutOfRangeException"/>
/// from the initializer. Instances are immutable and safe to share between threads.
/// </summary>
public sealed class Http2Settings
{
    /// <summary>
    /// SETTINGS_HEADER_TABLE_SIZE (0x01): the maximum size, in octets, of the HPACK dynamic table
    /// the peer's encoder may use towards us. RFC default 4096; range 0..2^31-1 here
    /// (the protocol allows up to 2^32-1).
    /// </summary>
    public int? HeaderTableSize
    {
        get;
        init
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(v, nameof(HeaderTableSize));
            }

            field = value;
        }
    }

    /// <summary>
    /// SETTINGS_ENABLE_PUSH (0x02): whether the peer may send PUSH_PROMISE. RFC default true;
    /// sent as 1 or 0. Only a client may enable it; a server must not send 1.
    /// </summary>
    public bool? EnablePush { get; init; }

    /// <summary>
    /// SETTINGS_MAX_CONCURRENT_STREAMS (0x03): how many streams the peer may have open towards us.
    /// RFC default unlimited; range 0..2^31-1 here. 0 refuses every new stream.
    /// </summary>
    public int? MaxConcurrentStreams
    {
        get;
        init
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(v, nameof(MaxConcurrentStreams));
            }

            field = value;
        }
    }

    /// <summary>
    /// SETTINGS_INITIAL_WINDOW_SIZE (0x04): the initial flow-control window, in octets, of every
    /// stream the peer sends on. RFC default 65535; range 0..2^31-1.
    /// </summary>
    public int? InitialWindowSize
    {
        get;
        init
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(v, nameof(InitialWindowSize));
            }

            field = value;
        }
    }

    /// <summary>
    /// SETTINGS_MAX_FRAME_SIZE (0x05): the largest frame payload, in octets, we accept.
    /// RFC default 16384; range 16384..16777215.
    /// </summary>
    public int? MaxFrameSize
    {
        get;
        init
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(v, 16_384, nameof(MaxFrameSize));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(v, 16_777_215, nameof(MaxFrameSize));
            }

            field = value;
        }
    }

    /// <summary>
    /// SETTINGS_MAX_HEADER_LIST_SIZE (0x06): advisory limit, in octets, of a field section we accept
    /// (sum of name + value + 32 per field). RFC default unlimited; range 0..2^31-1 here.
    /// </summary>
    public int? MaxHeaderListSize
    {
        get;
        init
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(v, nameof(MaxHeaderListSize));
            }

            field = value;
        }
    }
}
