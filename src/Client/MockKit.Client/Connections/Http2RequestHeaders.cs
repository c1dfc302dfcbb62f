using System.Globalization;
using MockKit.Http1;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

/// <summary>
/// Turns an <see cref="HttpRequestMessage"/> into an HTTP/2 field list (RFC 9113 section 8.3):
/// the pseudo-headers <c>:method :scheme :authority :path</c> first, then the fields with
/// lower-case names; connection-specific fields (section 8.2.2) are dropped and <c>Host</c>
/// becomes <c>:authority</c>. Validation runs before anything is written.
/// </summary>
internal static class Http2RequestHeaders
{
    public static List<HpackHeaderField> Build(HttpRequestMessage request, Route route, long? contentLength)
    {
        var uri = request.RequestUri!;
        var authority = request.Headers.Host
            ?? (uri.IsDefaultPort ? Route.FormatHost(route.Host) : $"{Route.FormatHost(route.Host)}:{uri.Port.ToString(CultureInfo.InvariantCulture)}");
        List<HpackHeaderField> fields = [new(":method", request.Method.Method)];
        if (Http2Connection.IsExtendedConnect(request))
        {
            // RFC 8441 section 4: an extended CONNECT carries :protocol, and (unlike a tunnel's CONNECT)
            // :scheme and :path, so the target is an ordinary resource of the origin.
            fields.Add(new(":protocol", request.Headers.Protocol!));
        }

        fields.Add(new(":scheme", uri.Scheme));
        fields.Add(new(":authority", authority));
        fields.Add(new(":path", uri.PathAndQuery));
        Add(fields, request.Headers);
        if (request.Content is { } content)
        {
            Add(fields, content.Headers);
            if (contentLength is { } length && content.Headers.ContentLength is null)
            {
                fields.Add(new("content-length", length.ToString(CultureInfo.InvariantCulture)));
            }
        }

        return fields;
    }

    private static void Add(List<HpackHeaderField> fields, System.Net.Http.Headers.HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            var lower = Http2FieldNames.Lower(name);
            if (IsHop(lower))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (Http2FieldValidation.IsConnectionSpecific(lower, value))
                {
                    continue; // Section 8.2.2, the rule the server's responses and both roles' checks use (TE only as "trailers").
                }

                if (!HttpFieldSyntax.IsValidFieldValue(value))
                {
                    throw new HttpRequestException(HttpRequestError.Unknown, $"The request header '{name}' has an invalid value.");
                }

                fields.Add(new(lower, value));
            }
        }
    }

    // Host is the :authority above (section 8.3.1). Proxy-Authorization (RFC 9110 section 11.7.2)
    // belongs to a proxy; HTTP/2 here always talks to the origin (directly or inside a CONNECT
    // tunnel), so the proxy's credentials never go on a stream.
    private static bool IsHop(string name) => name is "host" or "proxy-authorization";
}
