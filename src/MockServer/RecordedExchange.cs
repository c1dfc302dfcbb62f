namespace MockKit.MockServer;

/// <summary>
/// One exchange a <see cref="ForwardingDispatcher"/> forwarded: the request as recorded and the
/// upstream's response as received (before <see cref="ForwardingDispatcher.Transform"/>).
/// Immutable.
/// </summary>
public sealed class RecordedExchange
{
    internal RecordedExchange(RecordedRequest request, MockResponse response)
    {
        Request = request;
        Response = response;
    }

    /// <summary>The request MockWebServer received.</summary>
    public RecordedRequest Request { get; }

    /// <summary>The upstream's response: status, reason, headers (hop-by-hop ones removed), body and trailers.</summary>
    public MockResponse Response { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Request.RequestLine} -> {Response.Code}";
}
