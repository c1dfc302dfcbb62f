using System.Globalization;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.MockServer.Http2;

/// <summary>
/// A request's field section split into pseudo-header fields and regular fields, validated by
/// the rules of RFC 9113 sections 8.2 and 8.3. A violation makes the request malformed, which
/// section 8.1.1 says is a stream error of type PROTOCOL_ERROR: <see cref="Parse"/> throws
/// <see cref="Http2StreamException"/> and keeps what it understood in its <c>partial</c> output so
/// the failure can still be recorded with a request line.
/// </summary>
internal sealed class Http2RequestHead
{
    // Section 8.2.2: "Connection-specific header fields ... MUST be treated as malformed".
    private static readonly string[] ConnectionSpecific = ["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade"];

    public string? Method { get; private set; }

    public string? Scheme { get; private set; }

    public string? Authority { get; private set; }

    public string? Path { get; private set; }

    /// <summary>The RFC 8441 <c>:protocol</c> of an extended CONNECT (e.g. <c>websocket</c>); null otherwise.</summary>
    public string? Protocol { get; private set; }

    /// <summary>Regular fields in wire order; pseudo-header fields are kept out.</summary>
    public List<KeyValuePair<string, string>> Fields { get; } = [];

    /// <summary>The declared content-length, when sent.</summary>
    public long? ContentLength { get; private set; }

    /// <summary>The request line as recorded: <c>METHOD path HTTP/2</c> (CONNECT: the authority).</summary>
    public string RequestLine => $"{Method} {Target} HTTP/2";

    /// <summary>The request-target as recorded: :path, or :authority for CONNECT (an extended CONNECT's is its :path).</summary>
    public string Target => Method == "CONNECT" && Protocol is null ? Authority ?? string.Empty : Path ?? string.Empty;

    /// <summary>Parses and validates a request field section.</summary>
    /// <param name="streamId">The stream (for the error).</param>
    /// <param name="fields">The decoded fields in order.</param>
    /// <param name="partial">What was understood before a violation.</param>
    /// <param name="connectProtocolEnabled">True when the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 section 3).</param>
    /// <returns>The head.</returns>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: the request is malformed.</exception>
    public static Http2RequestHead Parse(int streamId, List<HpackHeaderField> fields, out Http2RequestHead partial, bool connectProtocolEnabled = false)
    {
        var head = partial = new Http2RequestHead();
        var regularSeen = false;
        foreach (var field in fields)
        {
            var name = field.Name;
            CheckName(streamId, name);
            CheckValue(streamId, name, field.Value);
            if (name.StartsWith(':'))
            {
                if (regularSeen)
                {
                    // Section 8.3: "All pseudo-header fields MUST appear in a field block before all regular field lines."
                    throw Malformed(streamId, $"pseudo-header field {name} after a regular field");
                }

                head.SetPseudo(streamId, name, field.Value);
                continue;
            }

            regularSeen = true;
            if (Array.IndexOf(ConnectionSpecific, name) >= 0)
            {
                throw Malformed(streamId, $"connection-specific field '{name}' (section 8.2.2)");
            }

            if (name == "te" && field.Value != "trailers")
            {
                // Section 8.2.2: TE "MAY be present ... but it MUST NOT contain any value other than 'trailers'".
                throw Malformed(streamId, $"te: {field.Value} (only 'trailers' is allowed)");
            }

            if (name == "content-length")
            {
                if (!long.TryParse(field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                    || (head.ContentLength is { } previous && previous != length))
                {
                    throw Malformed(streamId, $"invalid content-length '{field.Value}'");
                }

                head.ContentLength = length;
            }

            head.Fields.Add(new(name, field.Value));
        }

        if (head.Method is null)
        {
            throw Malformed(streamId, "no :method pseudo-header field");
        }

        if (head.Protocol is not null)
        {
            // RFC 8441 section 3: ":protocol" is only for peers that received SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
            if (!connectProtocolEnabled)
            {
                throw Malformed(streamId, ":protocol, but the server did not send SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 section 3)");
            }

            // Section 4: only on CONNECT, and then ":scheme" and ":path" MUST be included (with :authority).
            if (head.Method != "CONNECT")
            {
                throw Malformed(streamId, $":protocol on a {head.Method} request (RFC 8441 section 4: only an extended CONNECT carries it)");
            }

            if (head.Scheme is null || string.IsNullOrEmpty(head.Path) || head.Authority is null)
            {
                throw Malformed(streamId, "an extended CONNECT needs :scheme, :path and :authority (RFC 8441 section 4)");
            }
        }
        else if (head.Method == "CONNECT")
        {
            // Section 8.5: ":scheme and :path pseudo-header fields MUST be omitted"; :authority is required.
            if (head.Scheme is not null || head.Path is not null || head.Authority is null)
            {
                throw Malformed(streamId, "CONNECT needs :authority and no :scheme or :path");
            }
        }
        else if (head.Scheme is null || string.IsNullOrEmpty(head.Path))
        {
            // Section 8.3.1: "All HTTP/2 requests MUST include exactly one valid value for the :method, :scheme, and :path".
            throw Malformed(streamId, head.Scheme is null ? "no :scheme pseudo-header field" : "no :path pseudo-header field");
        }

        return head;
    }

    /// <summary>Validates trailer fields (section 8.1: no pseudo-header fields) and returns them.</summary>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: malformed trailers.</exception>
    public static List<KeyValuePair<string, string>> ParseTrailers(int streamId, List<HpackHeaderField> fields)
    {
        var trailers = new List<KeyValuePair<string, string>>(fields.Count);
        foreach (var field in fields)
        {
            CheckName(streamId, field.Name);
            CheckValue(streamId, field.Name, field.Value);
            if (field.Name.StartsWith(':'))
            {
                throw Malformed(streamId, $"pseudo-header field {field.Name} in trailers");
            }

            trailers.Add(new(field.Name, field.Value));
        }

        return trailers;
    }

    private void SetPseudo(int streamId, string name, string value)
    {
        switch (name)
        {
            case ":method":
                Method = Method is null ? value : throw Duplicate(streamId, name);
                break;
            case ":scheme":
                Scheme = Scheme is null ? value : throw Duplicate(streamId, name);
                break;
            case ":authority":
                Authority = Authority is null ? value : throw Duplicate(streamId, name);
                break;
            case ":path":
                Path = Path is null ? value : throw Duplicate(streamId, name);
                break;
            case ":protocol":
                Protocol = Protocol is null ? value : throw Duplicate(streamId, name);
                break;
            default:
                // Section 8.3: "Endpoints MUST treat a request or response that contains undefined or
                // invalid pseudo-header fields as malformed."
                throw Malformed(streamId, $"unknown pseudo-header field {name}");
        }
    }

    // Section 8.2.1: a field name MUST NOT contain 0x00-0x20, 0x41-0x5a (uppercase) or 0x7f-0xff,
    // except the leading colon of a pseudo-header.
    private static void CheckName(int streamId, string name)
    {
        if (name.Length == 0)
        {
            throw Malformed(streamId, "empty field name");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c <= 0x20 || c is >= 'A' and <= 'Z' || c >= 0x7f || (c == ':' && i > 0))
            {
                throw Malformed(streamId, c is >= 'A' and <= 'Z' ? $"uppercase field name '{name}'" : $"invalid character in field name '{name}'");
            }
        }
    }

    // Section 8.2.1: no NUL, CR or LF anywhere, no leading or trailing whitespace.
    private static void CheckValue(int streamId, string name, string value)
    {
        if (value.AsSpan().IndexOfAny('\0', '\r', '\n') >= 0
            || (value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t')))
        {
            throw Malformed(streamId, $"invalid value for '{name}'");
        }
    }

    private static Http2StreamException Duplicate(int streamId, string name) => Malformed(streamId, $"duplicate {name}");

    private static Http2StreamException Malformed(int streamId, string what) =>
        new(streamId, Http2ErrorCode.ProtocolError, $"Malformed request (RFC 9113 section 8.1.1): {what}.");
}
