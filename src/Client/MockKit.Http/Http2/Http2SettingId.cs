namespace MockKit.Http2;

/// <summary>Setting identifiers of RFC 9113 section 6.5.2. Unknown identifiers are ignored on receipt.</summary>
public enum Http2SettingId : ushort
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE (0x01): the HPACK dynamic table limit for the receiver's decoder. Default 4096.</summary>
    HeaderTableSize = 0x1,

    /// <summary>SETTINGS_ENABLE_PUSH (0x02): 0 or 1. Default 1.</summary>
    EnablePush = 0x2,

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS (0x03): streams the sender lets its peer open. Default unlimited.</summary>
    MaxConcurrentStreams = 0x3,

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE (0x04): initial stream window, at most 2^31-1. Default 65535.</summary>
    InitialWindowSize = 0x4,

    /// <summary>SETTINGS_MAX_FRAME_SIZE (0x05): 16384..16777215. Default 16384.</summary>
    MaxFrameSize = 0x5,

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE (0x06): advisory field section limit. Default unlimited.</summary>
    MaxHeaderListSize = 0x6,

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (0x08, RFC 8441 section 3): 0 or 1; 1 lets the peer send extended CONNECT (<c>:protocol</c>). Default 0.</summary>
    EnableConnectProtocol = 0x8,
}
