namespace MockKit.Http2;

/// <summary>Protocol constants of RFC 9113, each with the section that defines it.</summary>
public static class Http2Constants
{
    /// <summary>Size of the fixed frame header (section 4.1).</summary>
    public const int FrameHeaderSize = 9;

    /// <summary>Initial and minimum value of SETTINGS_MAX_FRAME_SIZE, 2^14 (sections 4.2, 6.5.2).</summary>
    public const int DefaultMaxFrameSize = 16_384;

    /// <summary>Largest allowed SETTINGS_MAX_FRAME_SIZE, 2^24-1 (section 6.5.2).</summary>
    public const int MaxAllowedFrameSize = 16_777_215;

    /// <summary>Initial flow-control window of a stream and of the connection, 2^16-1 (sections 6.5.2, 6.9.2).</summary>
    public const int DefaultInitialWindowSize = 65_535;

    /// <summary>Largest flow-control window, 2^31-1 (section 6.9.1).</summary>
    public const int MaxWindowSize = int.MaxValue;

    /// <summary>Initial SETTINGS_HEADER_TABLE_SIZE (section 6.5.2; RFC 7541 section 4.2).</summary>
    public const int DefaultHeaderTableSize = 4_096;

    /// <summary>Mask of the 31-bit stream identifier; the top bit is reserved (section 4.1).</summary>
    public const uint StreamIdMask = 0x7FFF_FFFF;

    /// <summary>
    /// The client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (section 3.4),
    /// which the client follows with a SETTINGS frame.
    /// </summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;
}
