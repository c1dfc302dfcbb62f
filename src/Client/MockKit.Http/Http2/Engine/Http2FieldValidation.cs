using MockKit.Http2.Hpack;

namespace MockKit.Http2.Engine;

/// <summary>
/// The field rules of RFC 9113 section 8.2 (and the pseudo-header placement of section 8.3), for
/// both roles: the server checks requests and request trailers, the client responses and response
/// trailers, with the same code. A violation makes the message malformed, which section 8.1.1 says
/// is a stream error of type PROTOCOL_ERROR: each check throws <see cref="Http2StreamException"/>.
/// </summary>
/// <remarks>
/// Which pseudo-header fields a message may carry is the role's business (the server's request head
/// knows <c>:method</c>, <c>:scheme</c>, <c>:authority</c>, <c>:path</c>; a response has only
/// <c>:status</c>, <see cref="CheckResponse"/>); everything else is common.
/// </remarks>
public static class Http2FieldValidation
{
    // Section 8.2.2: "An endpoint MUST NOT generate an HTTP/2 message containing connection-specific
    // header fields. ... Any message containing connection-specific header fields MUST be treated as
    // malformed." The list is the one the section names.
    private static readonly string[] ConnectionSpecific = ["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade"];

    /// <summary>True for a field that section 8.2.2 forbids in HTTP/2 (connection-specific, or <c>te</c> other than "trailers"); <paramref name="name"/> lower-case.</summary>
    public static bool IsConnectionSpecific(string name, string value) =>
        Array.IndexOf(ConnectionSpecific, name) >= 0 || (name == "te" && value != "trailers");

    /// <summary>
    /// Checks a regular (non-pseudo) field: its name and value (section 8.2.1) and that it is not
    /// connection-specific (section 8.2.2).
    /// </summary>
    /// <param name="streamId">The stream, for the error.</param>
    /// <param name="name">The field name as decoded.</param>
    /// <param name="value">The field value as decoded.</param>
    /// <param name="message">"request" or "response": what the error says was malformed.</param>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: the message is malformed.</exception>
    public static void CheckRegularField(int streamId, string name, string value, string message)
    {
        CheckName(streamId, name, message);
        CheckValue(streamId, name, value, message);
        if (name.StartsWith(':'))
        {
            // Section 8.3: "All pseudo-header fields MUST appear in a field block before all regular field lines."
            throw Malformed(streamId, message, $"pseudo-header field {name} after a regular field");
        }

        if (Array.IndexOf(ConnectionSpecific, name) >= 0)
        {
            throw Malformed(streamId, message, $"connection-specific field '{name}' (section 8.2.2)");
        }

        if (name == "te" && value != "trailers")
        {
            // Section 8.2.2: TE "MAY be present ... but it MUST NOT contain any value other than 'trailers'".
            throw Malformed(streamId, message, $"te: {value} (only 'trailers' is allowed)");
        }
    }

    /// <summary>Checks a trailer section (section 8.1: no pseudo-header fields; section 8.2 for the rest).</summary>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: malformed trailers.</exception>
    public static void CheckTrailers(int streamId, List<HpackHeaderField> fields, string message)
    {
        foreach (var field in fields)
        {
            if (field.Name.StartsWith(':'))
            {
                CheckName(streamId, field.Name, message);
                CheckValue(streamId, field.Name, field.Value, message);
                throw Malformed(streamId, message, $"pseudo-header field {field.Name} in trailers");
            }

            CheckRegularField(streamId, field.Name, field.Value, message);
        }
    }

    /// <summary>
    /// Checks a response field section (final or interim): exactly one <c>:status</c> and no other
    /// pseudo-header field, all before the regular fields (sections 8.3 and 8.3.2), and every regular
    /// field by <see cref="CheckRegularField"/>. Whether <c>:status</c> is present and valid is left
    /// to the caller, which reports it with the value it saw.
    /// </summary>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: the response is malformed.</exception>
    public static void CheckResponse(int streamId, List<HpackHeaderField> fields)
    {
        const string message = "response";
        var regular = false;
        var status = false;
        foreach (var field in fields)
        {
            if (!regular && field.Name.StartsWith(':'))
            {
                CheckName(streamId, field.Name, message);
                CheckValue(streamId, field.Name, field.Value, message);
                if (field.Name != ":status")
                {
                    // Section 8.3: "Pseudo-header fields defined for requests MUST NOT appear in responses",
                    // and undefined ones make the message malformed.
                    throw Malformed(streamId, message, $"pseudo-header field {field.Name} in a response");
                }

                if (status)
                {
                    throw Malformed(streamId, message, "duplicate :status");
                }

                status = true;
                continue;
            }

            regular = true;
            CheckRegularField(streamId, field.Name, field.Value, message);
        }
    }

    /// <summary>
    /// Section 8.2.1: a field name MUST NOT contain 0x00-0x20, 0x41-0x5a (uppercase) or 0x7f-0xff,
    /// except the leading colon of a pseudo-header.
    /// </summary>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: the message is malformed.</exception>
    public static void CheckName(int streamId, string name, string message)
    {
        if (name.Length == 0)
        {
            throw Malformed(streamId, message, "empty field name");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c <= 0x20 || c is >= 'A' and <= 'Z' || c >= 0x7f || (c == ':' && i > 0))
            {
                throw Malformed(streamId, message, c is >= 'A' and <= 'Z' ? $"uppercase field name '{name}'" : $"invalid character in field name '{name}'");
            }
        }
    }

    /// <summary>Section 8.2.1: no NUL, CR or LF anywhere in a value, no leading or trailing whitespace.</summary>
    /// <exception cref="Http2StreamException">PROTOCOL_ERROR: the message is malformed.</exception>
    public static void CheckValue(int streamId, string name, string value, string message)
    {
        if (value.AsSpan().IndexOfAny('\0', '\r', '\n') >= 0
            || (value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t')))
        {
            throw Malformed(streamId, message, $"invalid value for '{name}'");
        }
    }

    /// <summary>The stream error for a malformed message (section 8.1.1).</summary>
    public static Http2StreamException Malformed(int streamId, string message, string what) =>
        new(streamId, Http2ErrorCode.ProtocolError, $"Malformed {message} (RFC 9113 section 8.1.1): {what}.");
}
