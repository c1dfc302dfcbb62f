namespace MockKit.MockServer.Exchanges;

/// <summary>
/// What a response may carry, by HTTP semantics (RFC 9110), whatever the protocol frames it with:
/// decided once by <see cref="ResponseWriter"/> from the request method and the status code.
/// </summary>
internal enum ResponseContent
{
    /// <summary>
    /// 1xx, 204, 304, and a 2xx to CONNECT: no content and no framing fields (RFC 9110 sections 6.4.1,
    /// 8.6 and 9.3.6); the head is the whole response.
    /// </summary>
    None,

    /// <summary>
    /// A response to HEAD: the framing fields describe the content a GET would get (RFC 9110 section
    /// 9.3.2), but no content follows the head.
    /// </summary>
    HeadOnly,

    /// <summary>The head, then the body.</summary>
    Body,
}
