using System.Buffers;
using MockKit.Http1;

namespace MockKit.MockServer.Recording;

/// <summary>Builds <see cref="RecordedRequest"/>s for the codecs, so URL rules live in one place.</summary>
internal static class RecordedRequestFactory
{
    /// <summary>An entry for a connection-level policy that consumed a response without a request.</summary>
    public static RecordedRequest Bookkeeping(int sequence, int connectionIndex, Protocol protocol, TlsHandshake? handshake, Exception failure) =>
        new(string.Empty, string.Empty, string.Empty, null, RecordedHeaders.Empty, [], 0, [], sequence, connectionIndex, protocol, handshake, failure);

    /// <summary>An entry for input that could not be parsed into a request.</summary>
    public static RecordedRequest Malformed(string firstLine, int sequence, int connectionIndex, Protocol protocol, TlsHandshake? handshake, Exception failure) =>
        new(firstLine, string.Empty, string.Empty, null, RecordedHeaders.Empty, [], 0, [], sequence, connectionIndex, protocol, handshake, failure);

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
}
