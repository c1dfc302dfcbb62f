using System.Text;

namespace MockKit.Benchmarks;

/// <summary>
/// The one response both servers send in the HTTP/1 comparisons, so the bytes on the wire match:
/// a 13-byte text body with Content-Type and Content-Length. Kestrel also always sends a Date
/// header (it cannot be turned off), so the MockWebServer response carries one of the same
/// length; the Server header is turned off on Kestrel instead.
/// </summary>
internal static class FixedResponse
{
    public const string Text = "Hello, world!";

    public const string ContentType = "text/plain";

    public static readonly byte[] Body = Encoding.UTF8.GetBytes(Text);

    /// <summary>An RFC 9110 IMF-fixdate of the same length as Kestrel's (its value does not matter to wrk).</summary>
    public static string Date => DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
}
