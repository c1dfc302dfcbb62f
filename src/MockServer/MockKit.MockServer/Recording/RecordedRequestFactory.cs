using System.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Http2;

namespace MockKit.MockServer.Recording;

/// <summary>
/// The one place <see cref="RecordedRequest"/>s are made, for every codec and every kind of entry:
/// HTTP/1 requests (raw head bytes), HTTP/2 requests (their validated field section), server pushes,
/// malformed input and bookkeeping entries. URL rules live here too.
/// </summary>
/// <remarks>
/// Cheap on purpose (it runs once per request on the server's hot paths): a request's head is
/// kept in the form its codec already parsed and materialised only when a test reads it, so
/// recording allocates the <see cref="RecordedRequest"/> and nothing else.
/// </remarks>
internal static class RecordedRequestFactory
{
    /// <summary>An HTTP/1 request, kept as its raw head bytes (parsed again, to the same strings, on first read).</summary>
    /// <param name="rawHead">The request line through the empty line, as received (owned by the recording from now on).</param>
    /// <param name="context">The connection's recording context.</param>
    /// <param name="version">HTTP/1.0 or HTTP/1.1, from the request line.</param>
    /// <param name="sequence">The request's sequence number on its connection.</param>
    /// <param name="failure">Why the exchange failed, or null.</param>
    /// <param name="body">The body recorder, or null when no body was read (yet).</param>
    /// <param name="trailers">Trailer fields of a chunked body, or null.</param>
    /// <param name="chunkSizes">The recorded chunk sizes, or null.</param>
    /// <param name="chunkCount">How many chunks arrived.</param>
    public static RecordedRequest Http1(
        byte[] rawHead,
        RecordingContext context,
        Protocol version,
        int sequence,
        Exception? failure,
        BodyRecorder? body = null,
        List<KeyValuePair<string, string>>? trailers = null,
        IReadOnlyList<int>? chunkSizes = null,
        long chunkCount = 0) =>
        new(rawHead, context, body?.Detach() ?? [], body?.Size ?? 0, chunkSizes ?? [], sequence, version, failure, Trailers(trailers), chunkCount);

    /// <summary>An HTTP/2 request (one stream), kept as its validated field section.</summary>
    /// <param name="head">The stream's field section (not changed after it was parsed).</param>
    /// <param name="context">The connection's recording context.</param>
    /// <param name="protocol">HTTP/2 or h2 prior knowledge.</param>
    /// <param name="sequence">The stream's sequence number on its connection.</param>
    /// <param name="failure">Why the exchange failed, or null.</param>
    /// <param name="body">The retained body bytes (detached under the session's lock), or empty.</param>
    /// <param name="bodySize">The body's full size.</param>
    /// <param name="trailers">Trailer fields, or null.</param>
    public static RecordedRequest Http2(
        Http2RequestHead head,
        RecordingContext context,
        Protocol protocol,
        int sequence,
        Exception? failure,
        byte[]? body = null,
        long bodySize = 0,
        List<KeyValuePair<string, string>>? trailers = null)
    {
        // A request malformed before its :method has no request line: made now (a rare failure
        // path), so IsBookkeeping sees the empty method as it always has.
        object recordedHead = head.Method is null ? head.Materialise(context) : head;
        return new(recordedHead, context, body ?? [], bodySize, [], sequence, protocol, failure, Trailers(trailers));
    }

    /// <summary>A server push (RFC 9113 section 8.4), recorded as its promised request.</summary>
    /// <param name="method">The promised request's method.</param>
    /// <param name="path">Its :path.</param>
    /// <param name="scheme">Its :scheme.</param>
    /// <param name="authority">Its :authority.</param>
    /// <param name="headers">Its regular fields, lower case as sent.</param>
    /// <param name="context">The connection's recording context.</param>
    /// <param name="protocol">HTTP/2 or h2 prior knowledge.</param>
    /// <param name="sequence">The push's sequence number on its connection.</param>
    /// <param name="failure">Why nothing was pushed, or null.</param>
    public static RecordedRequest Push(
        string method,
        string path,
        string scheme,
        string authority,
        IEnumerable<KeyValuePair<string, string>> headers,
        RecordingContext context,
        Protocol protocol,
        int sequence,
        Exception? failure)
    {
        var url = BuildUrl(method, path, scheme, authority, context.FallbackAuthority);
        var head = new RecordedHead($"{method} {path} HTTP/2", method, path, url, new RecordedHeaders(headers));
        return new(head, context, [], 0, [], sequence, protocol, failure);
    }

    /// <summary>An entry for a connection-level policy that consumed a response without a request.</summary>
    public static RecordedRequest Bookkeeping(int sequence, int connectionIndex, Protocol protocol, TlsHandshake? handshake, Exception failure) =>
        new(RecordedHead.Empty, new RecordingContext(connectionIndex, handshake, string.Empty), [], 0, [], sequence, protocol, failure);

    /// <summary>A request recorded by another process (a standalone server), rebuilt from its JSON by <see cref="RemoteMockServer"/>.</summary>
    public static RecordedRequest Remote(
        string requestLine,
        string method,
        string target,
        Uri? url,
        IEnumerable<KeyValuePair<string, string>> headers,
        byte[] body,
        long bodySize,
        List<KeyValuePair<string, string>>? trailers,
        int sequence,
        int connectionIndex,
        Protocol protocol,
        Exception? failure) =>
        new(
            new RecordedHead(requestLine, method, target, url, new RecordedHeaders(headers)),
            new RecordingContext(connectionIndex, null, url?.Authority ?? string.Empty),
            body, bodySize, [], sequence, protocol, failure, Trailers(trailers));

    /// <summary>An entry for input that could not be parsed into a request.</summary>
    public static RecordedRequest Malformed(string firstLine, int sequence, int connectionIndex, Protocol protocol, TlsHandshake? handshake, Exception failure) =>
        new(
            new RecordedHead(firstLine, string.Empty, string.Empty, null, RecordedHeaders.Empty),
            new RecordingContext(connectionIndex, handshake, string.Empty),
            [], 0, [], sequence, protocol, failure);

    /// <summary>Builds the full URL of a request from its target (RFC 9112 section 3.3).</summary>
    /// <param name="method">The method (CONNECT has no URL, unless it is an extended CONNECT with a path).</param>
    /// <param name="target">The request-target as sent.</param>
    /// <param name="scheme">http or https, from the connection.</param>
    /// <param name="authority">The Host header or :authority, if any.</param>
    /// <param name="fallbackAuthority">The server's own host:port when no authority was sent.</param>
    /// <returns>The URL, or null when the target has none (authority- or asterisk-form) or is invalid.</returns>
    public static Uri? BuildUrl(string method, string target, string scheme, string? authority, string fallbackAuthority)
    {
        // An RFC 8441 extended CONNECT names a path (origin-form) and has a URL; a plain CONNECT has none.
        if ((method == "CONNECT" && !target.StartsWith('/')) || target == "*")
        {
            return null;
        }

        if (target.StartsWith('/'))
        {
            var host = string.IsNullOrEmpty(authority) ? fallbackAuthority : authority;
            return Uri.TryCreate($"{scheme}://{host}{target}", UriKind.Absolute, out var url) ? url : null;
        }

        return Uri.TryCreate(target, UriKind.Absolute, out var absolute)
            && (absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps)
            ? absolute
            : null;
    }

    /// <summary>Printable first line of raw input, for recording what could not be parsed.</summary>
    public static string FirstLine(System.Buffers.ReadOnlySequence<byte> buffer)
    {
        var reader = new System.Buffers.SequenceReader<byte>(buffer);
        var line = reader.TryReadTo(out System.Buffers.ReadOnlySequence<byte> first, (byte)'\n')
            ? first
            : buffer.Slice(0, Math.Min(buffer.Length, 200));
        var bytes = line.Slice(0, Math.Min(line.Length, 200)).ToArray().AsSpan().TrimEnd((byte)'\r');
        return Http1HeadParser.Printable(bytes);
    }

    private static RecordedHeaders? Trailers(List<KeyValuePair<string, string>>? trailers) =>
        trailers is null ? null : new RecordedHeaders(trailers);
}
