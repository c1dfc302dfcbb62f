namespace MockKit.Http2.Connection;

/// <summary>Which end of an HTTP/2 connection this endpoint is: it decides stream-id parity and which frames may arrive.</summary>
public enum Http2Role
{
    /// <summary>Opens odd-numbered streams (RFC 9113 section 5.1.1); may receive PUSH_PROMISE (section 8.4).</summary>
    Client,

    /// <summary>Opens even-numbered (pushed) streams; receives requests on odd ones and never a PUSH_PROMISE.</summary>
    Server,
}
