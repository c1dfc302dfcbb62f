using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using MockKit.Http1;

namespace MockKit.Client.Connections;

/// <summary>
/// Turns an <see cref="HttpRequestMessage"/> into an HTTP/1.1 request head with the shared
/// <see cref="Http1Writer"/>. Every name and value is checked with <see cref="HttpFieldSyntax"/>
/// first: this client refuses to send a field the MockWebServer (or any strict server) must reject.
/// </summary>
internal static class Http1RequestHeadWriter
{
    /// <summary>Writes the head; the body framing follows <paramref name="contentLength"/> (null: chunked).</summary>
    /// <exception cref="HttpRequestException">A field name or value is invalid (nothing was written to the wire).</exception>
    public static void Write(IBufferWriter<byte> writer, HttpRequestMessage request, Route route, long? contentLength, string defaultHost)
    {
        var uri = request.RequestUri!;
        var method = request.Method.Method;
        if (!HttpFieldSyntax.IsValidFieldName(method))
        {
            throw Invalid($"The method '{method}' is not a valid token.");
        }

        // RFC 9112 section 3.2.2: absolute-form to a proxy (plain http only; https and upgrades go through a tunnel).
        var target = route.Proxy is not null && !route.RequiresTunnel ? uri.AbsoluteUri : uri.PathAndQuery;
        Http1Writer.WriteRequestLine(writer, method, target, Protocol.Http11);

        var headers = RequestHeaders.IfAny(request); // Null for most requests: reading Headers would create it.
        Http1Writer.WriteField(writer, "Host", headers?.Host ?? defaultHost);
        // RFC 9110 section 11.7.2: Proxy-Authorization is for the proxy that consumes it. It goes on
        // absolute-form requests to a plain-http proxy (and on CONNECT, written by the tunnel code),
        // never to an origin: not on a direct connection and not inside a tunnel, where the proxy
        // cannot see it and the origin would receive the proxy's credentials.
        var toProxy = route.Proxy is not null && !route.RequiresTunnel;
        if (headers is not null)
        {
            WriteFields(writer, headers, skipHost: true, skipProxyAuthorization: !toProxy);
        }
        if (request.Content is { } content)
        {
            WriteFields(writer, content.Headers, skipHost: false, skipProxyAuthorization: !toProxy);
            if (contentLength is { } length)
            {
                Http1Writer.WriteField(writer, "Content-Length", length.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                Http1Writer.WriteField(writer, "Transfer-Encoding", "chunked");
            }
        }
        else if (request.Method == HttpMethod.Post || request.Method == HttpMethod.Put || request.Method == HttpMethod.Patch)
        {
            // RFC 9110 section 8.6: a user agent SHOULD send Content-Length for a method that expects content.
            Http1Writer.WriteField(writer, "Content-Length", "0");
        }

        writer.Write("\r\n"u8);
    }

    /// <summary>
    /// The Host field for a request to <paramref name="uri"/> that sets none (RFC 9110 section 7.2):
    /// the same for every request on one connection (its address fixes scheme, host and port), so
    /// the connection computes it once.
    /// </summary>
    public static string DefaultHost(Uri uri) =>
        uri.IsDefaultPort ? uri.IdnHost : $"{Route.FormatHost(uri.IdnHost)}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";

    private static void WriteFields(IBufferWriter<byte> writer, HttpHeaders headers, bool skipHost, bool skipProxyAuthorization)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            if (skipProxyAuthorization && name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if ((skipHost && name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                // Framing is decided from the content, never copied from headers (request smuggling).
                continue;
            }

            if (!HttpFieldSyntax.IsValidFieldName(name))
            {
                throw Invalid($"The header name '{name}' is not a valid token (RFC 9110 section 5.1).");
            }

            foreach (var value in values)
            {
                if (!HttpFieldSyntax.IsValidFieldValue(value))
                {
                    throw Invalid($"The value of header '{name}' contains CR, LF, NUL, another control character or a character above U+00FF (RFC 9110 section 5.5); refusing to send it.");
                }

                Http1Writer.WriteField(writer, name, value);
            }
        }
    }

    private static HttpRequestException Invalid(string message) =>
        new(HttpRequestError.Unknown, message, new ArgumentException(message));
}
