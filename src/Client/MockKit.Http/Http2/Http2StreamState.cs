namespace MockKit.Http2;

/// <summary>The stream states of RFC 9113 section 5.1.</summary>
public enum Http2StreamState
{
    /// <summary>Not yet used.</summary>
    Idle,

    /// <summary>Promised by us with PUSH_PROMISE; we will send the response.</summary>
    ReservedLocal,

    /// <summary>Promised by the peer with PUSH_PROMISE; it will send the response.</summary>
    ReservedRemote,

    /// <summary>Both sides may send.</summary>
    Open,

    /// <summary>We sent END_STREAM; only the peer still sends.</summary>
    HalfClosedLocal,

    /// <summary>The peer sent END_STREAM; only we still send.</summary>
    HalfClosedRemote,

    /// <summary>Done (both END_STREAMs, or a RST_STREAM either way).</summary>
    Closed,
}
