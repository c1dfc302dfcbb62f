namespace MockKit.Http2;

/// <summary>
/// The frame types defined by RFC 9113 section 6 (registry in section 11.2). Any other
/// value is an extension frame type, which an endpoint ignores (section 5.5).
/// </summary>
public enum Http2FrameType : byte
{
    /// <summary>DATA (section 6.1): request or response content.</summary>
    Data = 0x0,

    /// <summary>HEADERS (section 6.2): opens a stream and carries a field block fragment.</summary>
    Headers = 0x1,

    /// <summary>PRIORITY (section 6.3): deprecated priority signal, still parsed and validated.</summary>
    Priority = 0x2,

    /// <summary>RST_STREAM (section 6.4): immediate termination of a stream.</summary>
    RstStream = 0x3,

    /// <summary>SETTINGS (section 6.5): connection configuration parameters.</summary>
    Settings = 0x4,

    /// <summary>PUSH_PROMISE (section 6.6): announces a stream the sender will initiate.</summary>
    PushPromise = 0x5,

    /// <summary>PING (section 6.7): round-trip measurement and liveness check.</summary>
    Ping = 0x6,

    /// <summary>GOAWAY (section 6.8): starts connection shutdown or signals a connection error.</summary>
    GoAway = 0x7,

    /// <summary>WINDOW_UPDATE (section 6.9): flow-control credit.</summary>
    WindowUpdate = 0x8,

    /// <summary>CONTINUATION (section 6.10): continues a field block.</summary>
    Continuation = 0x9,
}
