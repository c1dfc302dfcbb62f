using System.Globalization;

namespace MockKit.Http1;

/// <summary>How the length of an HTTP/1 message body is determined (RFC 9112 section 6.3).</summary>
public enum Http1BodyKind
{
    /// <summary>No body.</summary>
    None,

    /// <summary>Exactly <see cref="Http1BodyFraming.Length"/> bytes.</summary>
    ContentLength,

    /// <summary>The chunked transfer coding (RFC 9112 section 7.1).</summary>
    Chunked,

    /// <summary>Until the connection closes (responses only).</summary>
    UntilClose,
}

/// <summary>The framing of one message body, decided from its head.</summary>
/// <param name="Kind">How the body is delimited.</param>
/// <param name="Length">The declared length for <see cref="Http1BodyKind.ContentLength"/>; otherwise -1.</param>
public readonly record struct Http1BodyFraming(Http1BodyKind Kind, long Length)
{
    // Transfer codings we can frame: chunked plus the registered content codings, which we
    // pass through undecoded (RFC 9112 section 7).
    private static readonly string[] KnownCodings = ["chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"];

    /// <summary>No body.</summary>
    public static Http1BodyFraming None { get; } = new(Http1BodyKind.None, -1);

    /// <summary>Decides a request body's framing (RFC 9112 section 6.3, items 3-6).</summary>
    /// <param name="headers">The request's fields.</param>
    /// <returns>The framing.</returns>
    /// <exception cref="Http1ParseException">400 for contradictory or invalid framing; 501 for an unknown transfer coding.</exception>
    public static Http1BodyFraming ForRequest(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var transferEncoding = ParseTransferEncoding(headers, isRequest: true);
        var contentLength = ParseContentLength(headers);
        if (transferEncoding && contentLength >= 0)
        {
            // Section 6.3 item 3: both present "ought to be handled as an error" (smuggling).
            throw Http1ParseException.BadRequest("Request has both Content-Length and Transfer-Encoding.");
        }

        if (transferEncoding)
        {
            return new(Http1BodyKind.Chunked, -1);
        }

        return contentLength > 0 ? new(Http1BodyKind.ContentLength, contentLength) : None;
    }

    /// <summary>Decides a response body's framing (RFC 9112 section 6.3, items 1-7).</summary>
    /// <param name="requestMethod">The method of the request this answers.</param>
    /// <param name="statusCode">The response's status.</param>
    /// <param name="headers">The response's fields.</param>
    /// <returns>The framing.</returns>
    /// <exception cref="Http1ParseException">For contradictory or invalid framing.</exception>
    public static Http1BodyFraming ForResponse(string requestMethod, int statusCode, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        // Item 1: HEAD, 1xx, 204 and 304 never have content. Item 2: 2xx to CONNECT is a tunnel.
        if (requestMethod == "HEAD" || statusCode is < 200 or 204 or 304
            || (requestMethod == "CONNECT" && statusCode is >= 200 and < 300))
        {
            return None;
        }

        var transferEncoding = ParseTransferEncoding(headers, isRequest: false);
        var contentLength = ParseContentLength(headers);
        if (transferEncoding && contentLength >= 0)
        {
            throw Http1ParseException.BadRequest("Response has both Content-Length and Transfer-Encoding.");
        }

        if (transferEncoding)
        {
            return new(Http1BodyKind.Chunked, -1);
        }

        if (HasField(headers, "Transfer-Encoding"))
        {
            // Item 3: "the Transfer-Encoding overrides the Content-Length"; item 4: when chunked is not
            // the final coding, "the message body length is determined by reading the connection until
            // it is closed by the server". Framing by Content-Length instead would hand whatever follows
            // (a smuggled second response) to the next call on a pooled connection.
            return new(Http1BodyKind.UntilClose, -1);
        }

        return contentLength switch
        {
            0 => None,
            > 0 => new(Http1BodyKind.ContentLength, contentLength),
            _ => new(Http1BodyKind.UntilClose, -1),
        };
    }

    // Returns true when the message is chunked; throws when Transfer-Encoding is present
    // but does not end in chunked (section 6.3 item 4), or names a coding we do not know.
    // Runs for every message head on both ends: indexed loops (no boxed enumerator) and spans
    // (no split arrays or trimmed strings).
    private static bool ParseTransferEncoding(IReadOnlyList<KeyValuePair<string, string>> headers, bool isRequest)
    {
        var seen = false;
        var lastIsChunked = false;
        var chunkedCount = 0;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            seen = true;
            foreach (var range in value.AsSpan().Split(','))
            {
                var coding = value.AsSpan(range).Trim(" \t");
                var semicolon = coding.IndexOf(';');
                if (semicolon >= 0)
                {
                    coding = coding[..semicolon].TrimEnd(" \t");
                }

                if (coding.IsEmpty)
                {
                    continue;
                }

                if (!IsKnownCoding(coding))
                {
                    // RFC 9112 section 6.1: a server SHOULD answer an unknown coding with 501.
                    throw new Http1ParseException(isRequest ? 501 : 400, $"Unsupported transfer coding '{coding}'.");
                }

                lastIsChunked = coding.Equals("chunked", StringComparison.OrdinalIgnoreCase);
                if (lastIsChunked)
                {
                    chunkedCount++;
                }
            }
        }

        if (!seen)
        {
            return false;
        }

        if (chunkedCount > 1)
        {
            throw Http1ParseException.BadRequest("Transfer-Encoding applies chunked more than once (RFC 9112 section 6.1).");
        }

        if (!lastIsChunked)
        {
            if (isRequest)
            {
                throw Http1ParseException.BadRequest("Transfer-Encoding does not end with chunked (RFC 9112 section 6.3).");
            }

            return false;
        }

        return true;
    }

    private static bool IsKnownCoding(ReadOnlySpan<char> coding)
    {
        foreach (var known in KnownCodings)
        {
            if (coding.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasField(IReadOnlyList<KeyValuePair<string, string>> headers, string name)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // Returns -1 when absent. Repeated or list values must agree (section 6.3 item 5).
    private static long ParseContentLength(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        long result = -1;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                var text = value.AsSpan(range).Trim(" \t");
                if (text.IsEmpty || text.Length > 18 || text.ContainsAnyExceptInRange('0', '9')
                    || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    throw Http1ParseException.BadRequest($"Invalid Content-Length '{value}'.");
                }

                if (result >= 0 && result != length)
                {
                    throw Http1ParseException.BadRequest($"Conflicting Content-Length values {result} and {length}.");
                }

                result = length;
            }
        }

        return result;
    }
}
