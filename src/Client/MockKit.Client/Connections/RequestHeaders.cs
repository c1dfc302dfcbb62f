using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

namespace MockKit.Client.Connections;

/// <summary>
/// A request's header collection if it has one, without creating it. Reading
/// <see cref="HttpRequestMessage.Headers"/> creates an empty collection on first use (48 bytes), and
/// most requests (GetAsync, GetStringAsync without default headers) never had one. SocketsHttpHandler
/// asks the runtime-internal <c>HasHeaders</c>; this reads the field behind it, and falls back to the
/// public property should a runtime ever name the field differently (checked once, at first use).
/// </summary>
internal static class RequestHeaders
{
    private static readonly bool s_fieldReadable = CanReadField();

    /// <summary>The request's headers, or null when it has none (the collection was never created).</summary>
    public static HttpRequestHeaders? IfAny(HttpRequestMessage request) => s_fieldReadable ? HeadersField(request) : request.Headers;

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_headers")]
    private static extern ref HttpRequestHeaders? HeadersField(HttpRequestMessage request);

    private static bool CanReadField()
    {
        try
        {
            using var probe = new HttpRequestMessage();
            if (HeadersField(probe) is not null)
            {
                return false;
            }

            // The field must be the one the property fills.
            var created = probe.Headers;
            return ReferenceEquals(HeadersField(probe), created);
        }
        catch (MissingFieldException)
        {
            return false;
        }
    }
}
