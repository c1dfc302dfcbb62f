using System.Buffers;
using MockKit.Http1;

namespace MockKit.MockServer.Http1;

/// <summary>
/// RFC 9112 section 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
/// HTTP/1.1 request message that lacks a Host header field and to any request message that
/// contains more than one Host header field line or a Host header field with an invalid field value."
/// </summary>
/// <remarks>
/// A request whose target carries the authority itself — the absolute form a proxy receives, the
/// authority form of CONNECT — is served without a Host field: section 3.2.2 has the proxy ignore
/// Host for the absolute form and take the target's authority, so refusing it would only break
/// hand-written proxy tests. HTTP/1.0 has no Host requirement. Two Host lines or a value that is not
/// <c>uri-host [ ":" port ]</c> (RFC 9110 section 7.2) are refused in every form and version.
/// </remarks>
internal static class HostFieldRule
{
    // RFC 3986 section 3.2.2: reg-name and IPv4address are unreserved / pct-encoded / sub-delims;
    // an IP-literal adds ':' inside its brackets.
    private static readonly SearchValues<char> s_hostChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=");

    private static readonly SearchValues<char> s_literalChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:");

    /// <summary>Checks the request's Host field lines.</summary>
    /// <exception cref="Http1ParseException">A 400 naming the problem.</exception>
    public static void Check(Http1RequestHead head)
    {
        string? host = null;
        var count = 0;
        foreach (var (name, value) in head.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                count++;
                host = value;
            }
        }

        if (count > 1)
        {
            throw Http1ParseException.BadRequest($"The request has {count} Host header fields; RFC 9112 section 3.2 allows one.");
        }

        if (host is null)
        {
            if (head.Version == Protocol.Http11 && (head.Target.StartsWith('/') || head.Target == "*"))
            {
                throw Http1ParseException.BadRequest("The HTTP/1.1 request has no Host header field (RFC 9112 section 3.2).");
            }

            return;
        }

        if (!IsValid(host))
        {
            throw Http1ParseException.BadRequest($"The Host header field '{Shorten(host)}' is not uri-host [ \":\" port ] (RFC 9110 section 7.2).");
        }
    }

    private static bool IsValid(ReadOnlySpan<char> host)
    {
        ReadOnlySpan<char> port;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            if (close < 2 || host[1..close].ContainsAnyExcept(s_literalChars))
            {
                return false;
            }

            port = host[(close + 1)..];
            if (!port.IsEmpty && port[0] != ':')
            {
                return false;
            }
        }
        else
        {
            var colon = host.LastIndexOf(':');
            port = colon < 0 ? [] : host[colon..];
            if ((colon < 0 ? host : host[..colon]).ContainsAnyExcept(s_hostChars))
            {
                return false;
            }
        }

        // port = *DIGIT (RFC 3986 section 3.2.3), after its ':'.
        return port.IsEmpty || !port[1..].ContainsAnyExceptInRange('0', '9');
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 80), "…");
}
