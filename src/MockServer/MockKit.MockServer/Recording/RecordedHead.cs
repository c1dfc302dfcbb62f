using System.Buffers;
using MockKit.Http1;

namespace MockKit.MockServer.Recording;

/// <summary>
/// The request line, target, URL and fields of a recorded request as .NET objects. Requests keep
/// the head their codec already had (HTTP/1: the raw head bytes; HTTP/2: the validated field
/// section, a <see cref="DeferredHead"/>) and are turned into one of these the first time a test
/// reads them (<see cref="Parse"/>, <see cref="DeferredHead.Materialise"/>), so requests that are
/// never taken never pay for strings, a <see cref="Uri"/> or a header array. Pushes, malformed
/// input and bookkeeping entries are made in this form directly. Immutable.
/// </summary>
internal sealed class RecordedHead(string requestLine, string method, string target, Uri? url, RecordedHeaders headers)
{
    /// <summary>The head of bookkeeping entries: everything empty.</summary>
    public static RecordedHead Empty { get; } = new(string.Empty, string.Empty, string.Empty, null, RecordedHeaders.Empty);

    public string RequestLine => requestLine;

    public string Method => method;

    public string Target => target;

    public Uri? Url => url;

    public RecordedHeaders Headers => headers;

    /// <summary>
    /// Parses raw HTTP/1 head bytes that already parsed once when they arrived (so this cannot
    /// fail for lack of bytes or limits), giving the same strings the server saw then.
    /// </summary>
    public static RecordedHead Parse(byte[] raw, RecordingContext context)
    {
        var buffer = new ReadOnlySequence<byte>(raw);
        var limits = new Http1Limits(raw.Length, raw.Length, raw.Length);
        if (!Http1HeadParser.TryParseRequestHead(ref buffer, limits, out var head))
        {
            throw new InvalidOperationException("A recorded HTTP/1 head no longer parses; this is a MockKit bug.");
        }

        return FromHttp1(head, context);
    }

    /// <summary>The recorded form of a parsed HTTP/1 head: URL from the Host field or the server's address.</summary>
    public static RecordedHead FromHttp1(Http1RequestHead head, RecordingContext context)
    {
        var host = head.Headers.FindLast(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;
        var url = RecordedRequestFactory.BuildUrl(head.Method, head.Target, context.Scheme, host, context.FallbackAuthority);
        return new RecordedHead(head.RequestLine, head.Method, head.Target, url, new RecordedHeaders(head.Headers));
    }
}
