using System.Globalization;
using MockKit.Http2;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Http2;

/// <summary>
/// A request's field section split into pseudo-header fields and regular fields, validated by
/// the rules of RFC 9113 sections 8.2 and 8.3. A violation makes the request malformed, which
/// section 8.1.1 says is a stream error of type PROTOCOL_ERROR: <see cref="Parse"/> throws
/// <see cref="Http2StreamException"/> and keeps what it understood in its <c>partial</c> output so
/// the failure can still be recorded with a request line.
/// </summary>
/// <remarks>
/// A recorded request keeps this object as its head (<see cref="DeferredHead"/>): the request line,
/// URL and header array are made from it only when a test reads the request. It is not changed
/// after <see cref="Parse"/> returns.
/// </remarks>
internal sealed class Http2RequestHead : DeferredHead
{
    private const string Message = "request";

    // -1 when not sent: a plain long, not a long?, because recordings keep this object (8 bytes each).
    private long _contentLength = -1;

    public string? Method { get; private set; }

    public string? Scheme { get; private set; }

    public string? Authority { get; private set; }

    public string? Path { get; private set; }

    /// <summary>The RFC 8441 <c>:protocol</c> of an extended CONNECT (e.g. <c>websocket</c>); null otherwise.</summary>
    public string? Protocol { get; private set; }

    /// <summary>Regular fields in wire order; pseudo-header fields are kept out.</summary>
    public List<KeyValuePair<string, string>> Fields { get; }

    /// <summary>Creates an empty head; <paramref name="capacity"/> sizes <see cref="Fields"/> (the block's regular field count).</summary>
    public Http2RequestHead(int capacity = 0) => Fields = new(capacity);

    /// <summary>The declared content-length, when sent.</summary>
    public long? ContentLength
    {
        get => _contentLength < 0 ? null : _contentLength;
        private set => _contentLength = value ?? -1;
    }

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
        // Sized exactly: the list lives as long as the recording (section 8.3: pseudo-header
        // fields come first, so the regular ones are the rest).
        var pseudo = 0;
        while (pseudo < fields.Count && fields[pseudo].Name.StartsWith(':'))
        {
            pseudo++;
        }

        var head = partial = new Http2RequestHead(fields.Count - pseudo);
        var regularSeen = false;
        foreach (var field in fields)
        {
            var name = field.Name;
            if (!regularSeen && name.StartsWith(':'))
            {
                Http2FieldValidation.CheckName(streamId, name, Message);
                Http2FieldValidation.CheckValue(streamId, name, field.Value, Message);
                head.SetPseudo(streamId, name, field.Value);
                continue;
            }

            // Sections 8.2.1, 8.2.2 and 8.3 (a pseudo-header field after a regular one): shared with the client's responses.
            regularSeen = true;
            Http2FieldValidation.CheckRegularField(streamId, name, field.Value, Message);
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

    /// <inheritdoc />
    public override RecordedHead Materialise(RecordingContext context)
    {
        if (Method is null)
        {
            // A malformed request cut short before :method: recorded with empty line and method, as a bookkeeping-like entry.
            return new RecordedHead(string.Empty, string.Empty, Target, null, new RecordedHeaders(Fields));
        }

        // Section 8.3.1: the URL is made of :scheme, :authority and :path; without :scheme, the connection's.
        var url = RecordedRequestFactory.BuildUrl(Method, Target, Scheme ?? context.Scheme, Authority, context.FallbackAuthority);
        return new RecordedHead(RequestLine, Method, Target, url, new RecordedHeaders(Fields));
    }

    /// <summary>Validates trailer fields (section 8.1: no pseudo-header fields) and returns them.</summary>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: malformed trailers.</exception>
    public static List<KeyValuePair<string, string>> ParseTrailers(int streamId, List<HpackHeaderField> fields)
    {
        Http2FieldValidation.CheckTrailers(streamId, fields, Message);
        var trailers = new List<KeyValuePair<string, string>>(fields.Count);
        foreach (var field in fields)
        {
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

    private static Http2StreamException Duplicate(int streamId, string name) => Malformed(streamId, $"duplicate {name}");

    private static Http2StreamException Malformed(int streamId, string what) => Http2FieldValidation.Malformed(streamId, Message, what);
}
