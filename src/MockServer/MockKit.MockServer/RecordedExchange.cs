namespace MockKit.MockServer;

/// <summary>
/// One exchange a <see cref="ForwardingDispatcher"/> forwarded: the request as recorded and the
/// upstream's response as received (before <see cref="ForwardingDispatcher.Transform"/>).
/// Immutable.
/// </summary>
public sealed class RecordedExchange
{
    private readonly bool _cutShort;

    internal RecordedExchange(RecordedRequest request, MockResponse response, long responseBodySize, bool cutShort = false)
    {
        _cutShort = cutShort;
        Request = request;
        Response = response;
        ResponseBodySize = responseBodySize;
    }

    /// <summary>The request MockWebServer received.</summary>
    public RecordedRequest Request { get; }

    /// <summary>
    /// The upstream's response: status, reason, headers (hop-by-hop ones removed), body and trailers.
    /// Its body keeps at most <see cref="MockWebServer.BodyLimit"/> bytes (see <see cref="ResponseBodySize"/>).
    /// </summary>
    public MockResponse Response { get; }

    /// <summary>
    /// The upstream's response body size in bytes as received, including bytes beyond the retention limit
    /// (when the client left early: the bytes read before the upstream was let go of).
    /// </summary>
    public long ResponseBodySize { get; }

    /// <summary>
    /// True when the recorded response body is shorter than the upstream's: <see cref="MockWebServer.BodyLimit"/>
    /// cut it, or the client went away and the upstream was let go of once the record was full (then
    /// <see cref="ResponseBodySize"/> counts only the bytes read until then).
    /// </summary>
    public bool ResponseBodyTruncated => _cutShort || ResponseBodySize > Response.Body.Length;

    /// <inheritdoc />
    public override string ToString() => $"{Request.RequestLine} -> {Response.Code}";
}
