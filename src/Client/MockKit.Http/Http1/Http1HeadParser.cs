using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MockKit.Http1;

/// <summary>
/// Parses HTTP/1 message heads (RFC 9112 sections 2-5) for both ends. Resumable: every
/// method returns false and consumes nothing while the head is incomplete, and throws
/// <see cref="Http1ParseException"/> only for input that can never become valid (or that
/// outgrows <see cref="Http1Limits"/>). Strict where the RFC says a recipient must reject:
/// obsolete line folding, whitespace before the colon, bare CR, control characters.
/// </summary>
public static class Http1HeadParser
{
    // RFC 9112 section 2.2: a server SHOULD ignore at least one empty line before the
    // request-line. We tolerate a few, then treat the input as garbage.
    private const int MaxLeadingEmptyLines = 4;

    /// <summary>Parses a request head from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes received so far; on success sliced past the head.</param>
    /// <param name="limits">Size limits; outgrowing them throws a 431 (414 for the request line).</param>
    /// <param name="head">The parsed head.</param>
    /// <param name="cache">The connection's strings and field list from its previous head, reused where the bytes repeat
    /// (the head's <c>Headers</c> are then valid until the next parse with this cache); null to decode everything afresh.</param>
    /// <returns>False when more bytes are needed.</returns>
    public static bool TryParseRequestHead(
        ref ReadOnlySequence<byte> buffer, Http1Limits limits, [NotNullWhen(true)] out Http1RequestHead? head, Http1FieldCache? cache = null)
    {
        head = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadStartLine(ref reader, limits, isRequest: true, out var line))
        {
            return false;
        }

        var (method, target, version) = ParseRequestLine(line, cache);
        if (!TryParseFieldSection(ref reader, limits, reader.Consumed, out var headers, cache))
        {
            return false;
        }

        head = cache is null
            ? new Http1RequestHead(method, target, version, Encoding.Latin1.GetString(line), headers)
            : cache.RequestHead(method, target, version, cache.RequestLine(line), headers);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>Parses a response head from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes received so far; on success sliced past the head.</param>
    /// <param name="limits">Size limits; outgrowing them throws.</param>
    /// <param name="head">The parsed head.</param>
    /// <param name="cache">The connection's strings and field list from its previous head, reused where the bytes repeat
    /// (the head's <c>Headers</c> are then valid until the next parse with this cache); null to decode everything afresh.</param>
    /// <returns>False when more bytes are needed.</returns>
    public static bool TryParseResponseHead(
        ref ReadOnlySequence<byte> buffer, Http1Limits limits, out Http1ResponseHead head, Http1FieldCache? cache = null)
    {
        head = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadStartLine(ref reader, limits, isRequest: false, out var line))
        {
            return false;
        }

        var (version, code, reason) = ParseStatusLine(line, cache);
        if (!TryParseFieldSection(ref reader, limits, reader.Consumed, out var headers, cache))
        {
            return false;
        }

        head = new Http1ResponseHead(version, code, reason, headers);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>
    /// Parses field lines up to and including the empty line that ends them (a header
    /// section, or a chunked body's trailer section). Consumes nothing unless complete.
    /// </summary>
    /// <param name="reader">Positioned at the first field line; advanced past the empty line on success.</param>
    /// <param name="limits">Limits on count and total bytes.</param>
    /// <param name="alreadyUsed">Head bytes already spent (the start line), counted against the limit.</param>
    /// <param name="fields">The fields in wire order.</param>
    /// <param name="cache">The connection's strings from its previous head, reused where the bytes repeat; null to decode everything.</param>
    /// <param name="into">A list to fill (emptied first) instead of a new one, when there is no <paramref name="cache"/>.</param>
    /// <returns>False when more bytes are needed.</returns>
    public static bool TryParseFieldSection(
        ref SequenceReader<byte> reader,
        Http1Limits limits,
        long alreadyUsed,
        [NotNullWhen(true)] out List<KeyValuePair<string, string>>? fields,
        Http1FieldCache? cache = null,
        List<KeyValuePair<string, string>>? into = null)
    {
        fields = null;
        var probe = reader;
        into?.Clear();
        var result = cache?.StartFields() ?? into ?? [];
        var start = probe.Consumed;
        while (true)
        {
            if (!probe.TryReadTo(out ReadOnlySequence<byte> rawLine, (byte)'\n'))
            {
                if (alreadyUsed + probe.Consumed - start + probe.Remaining > limits.MaxHeadBytes)
                {
                    throw new Http1ParseException(431, $"Header section is larger than the limit of {limits.MaxHeadBytes} bytes.");
                }

                return false;
            }

            if (alreadyUsed + probe.Consumed - start > limits.MaxHeadBytes)
            {
                throw new Http1ParseException(431, $"Header section is larger than the limit of {limits.MaxHeadBytes} bytes.");
            }

            var line = TrimCr(rawLine);
            if (line.IsEmpty)
            {
                fields = result;
                reader = probe;
                return true;
            }

            if (result.Count == limits.MaxHeaderCount)
            {
                throw new Http1ParseException(431, $"More than {limits.MaxHeaderCount} header fields.");
            }

            result.Add(ParseFieldLine(line, cache, result.Count));
        }
    }

    private static bool TryReadStartLine(
        ref SequenceReader<byte> reader, Http1Limits limits, bool isRequest, out ReadOnlySpan<byte> line)
    {
        line = default;
        for (var emptyLines = 0; ; emptyLines++)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> rawLine, (byte)'\n'))
            {
                if (reader.Remaining > limits.MaxStartLineBytes)
                {
                    throw isRequest
                        ? new Http1ParseException(414, $"Request line is longer than the limit of {limits.MaxStartLineBytes} bytes.")
                        : new Http1ParseException(400, $"Status line is longer than the limit of {limits.MaxStartLineBytes} bytes.");
                }

                return false;
            }

            var bytes = TrimCr(rawLine);
            if (bytes.Length > limits.MaxStartLineBytes)
            {
                throw isRequest
                    ? new Http1ParseException(414, $"Request line is longer than the limit of {limits.MaxStartLineBytes} bytes.")
                    : new Http1ParseException(400, $"Status line is longer than the limit of {limits.MaxStartLineBytes} bytes.");
            }

            if (!bytes.IsEmpty)
            {
                line = bytes;
                return true;
            }

            if (!isRequest || emptyLines >= MaxLeadingEmptyLines)
            {
                throw Http1ParseException.BadRequest(isRequest
                    ? "Too many empty lines before the request line."
                    : "Empty status line.");
            }
        }
    }

    // request-line = method SP request-target SP HTTP-version (RFC 9112 section 3).
    private static (string Method, string Target, Protocol Version) ParseRequestLine(ReadOnlySpan<byte> line, Http1FieldCache? cache)
    {
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace)
        {
            throw Http1ParseException.BadRequest($"Malformed request line '{Printable(line)}': expected 'method SP target SP version'.");
        }

        var method = line[..firstSpace];
        var target = line[(firstSpace + 1)..lastSpace];
        var version = line[(lastSpace + 1)..];
        if (!HttpFieldSyntax.IsToken(method))
        {
            throw Http1ParseException.BadRequest($"Malformed request line '{Printable(line)}': the method is not a token.");
        }

        if (target.IsEmpty)
        {
            throw Http1ParseException.BadRequest($"Malformed request line '{Printable(line)}': empty request target.");
        }

        foreach (var b in target)
        {
            // RFC 9112 section 3.2: the target has no whitespace; section 3: no controls.
            if (b <= 0x20 || b >= 0x7f)
            {
                throw Http1ParseException.BadRequest($"Malformed request line '{Printable(line)}': invalid character 0x{b:x2} in the request target.");
            }
        }

        var protocol = ParseVersion(version, line);
        return cache is null
            ? (Encoding.ASCII.GetString(method), Encoding.ASCII.GetString(target), protocol)
            : (cache.Method(method), cache.Target(target), protocol);
    }

    // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4).
    private static (Protocol Version, int Code, string Reason) ParseStatusLine(ReadOnlySpan<byte> line, Http1FieldCache? cache)
    {
        var firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0)
        {
            throw Http1ParseException.BadRequest($"Malformed status line '{Printable(line)}'.");
        }

        var version = ParseVersion(line[..firstSpace], line);
        var rest = line[(firstSpace + 1)..];
        if (rest.Length < 3 || (rest.Length > 3 && rest[3] != (byte)' ')
            || !char.IsAsciiDigit((char)rest[0]) || !char.IsAsciiDigit((char)rest[1]) || !char.IsAsciiDigit((char)rest[2]))
        {
            throw Http1ParseException.BadRequest($"Malformed status line '{Printable(line)}': expected a three-digit status code.");
        }

        var code = ((rest[0] - '0') * 100) + ((rest[1] - '0') * 10) + (rest[2] - '0');
        if (code < 100)
        {
            throw Http1ParseException.BadRequest($"Malformed status line '{Printable(line)}': status code {code} is below 100.");
        }

        // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ): no NUL or other controls.
        var reasonBytes = rest.Length > 4 ? rest[4..] : [];
        if (!HttpFieldSyntax.IsValidFieldValue(reasonBytes))
        {
            throw Http1ParseException.BadRequest($"Malformed status line '{Printable(line)}': control character in the reason phrase.");
        }

        return (version, code, cache is null ? Encoding.Latin1.GetString(reasonBytes) : cache.Reason(reasonBytes));
    }

    private static Protocol ParseVersion(ReadOnlySpan<byte> version, ReadOnlySpan<byte> line)
    {
        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 section 2.3), case-sensitive.
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            throw Http1ParseException.BadRequest($"Malformed start line '{Printable(line)}': invalid HTTP version.");
        }

        if (version[5] == (byte)'1')
        {
            return version[7] == (byte)'0' ? Protocol.Http10 : Protocol.Http11;
        }

        throw new Http1ParseException(505, $"HTTP version '{Encoding.ASCII.GetString(version)}' is not supported.");
    }

    // field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5).
    private static KeyValuePair<string, string> ParseFieldLine(ReadOnlySpan<byte> line, Http1FieldCache? cache, int index)
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            // RFC 9112 section 5.2: obs-fold. A server may reject with 400; a tool that
            // records what it saw must not silently rewrite it, so we reject.
            throw Http1ParseException.BadRequest($"Obsolete line folding in header line '{Printable(line)}' (RFC 9112 section 5.2).");
        }

        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            throw Http1ParseException.BadRequest($"Header line '{Printable(line)}' has no colon.");
        }

        var name = line[..colon];
        if (!HttpFieldSyntax.IsToken(name))
        {
            // Includes whitespace between name and colon, which RFC 9112 section 5.1 says
            // a server MUST reject with 400.
            throw Http1ParseException.BadRequest($"Invalid header name '{Printable(name)}'.");
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (!HttpFieldSyntax.IsValidFieldValue(value))
        {
            throw Http1ParseException.BadRequest($"Invalid character in the value of header '{Encoding.ASCII.GetString(name)}'.");
        }

        return cache is null ? new(Encoding.ASCII.GetString(name), Encoding.Latin1.GetString(value)) : cache.Field(index, name, value);
    }

    /// <summary>The line without its CR; a view of the buffer when it lies in one segment.</summary>
    internal static ReadOnlySpan<byte> TrimCr(ReadOnlySequence<byte> rawLine)
    {
        var bytes = rawLine.IsSingleSegment ? rawLine.FirstSpan : rawLine.ToArray();
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        // RFC 9112 section 2.2: a bare CR anywhere else is invalid.
        if (bytes.Contains((byte)'\r'))
        {
            throw Http1ParseException.BadRequest("Bare CR in a message head.");
        }

        return bytes;
    }

    /// <summary>Renders bytes for an error message: printable ASCII kept, others as \xNN, capped.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        const int Max = 120;
        var sb = new StringBuilder();
        foreach (var b in bytes[..Math.Min(bytes.Length, Max)])
        {
            if (b is >= 0x20 and < 0x7f)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        if (bytes.Length > Max)
        {
            sb.Append('…');
        }

        return sb.ToString();
    }
}
