using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Text;
using MockKit.Buffers;
using MockKit.Http1;

namespace MockKit.Client.Connections;

// Connection setup that happens on the HTTP/1 transport before the connection joins the
// pool: the CONNECT tunnel through a proxy (RFC 9110 section 9.3.6) and the switch to TLS.
internal sealed partial class Http1Connection
{
    /// <summary>
    /// Asks the proxy for a tunnel to the route's origin. A 407 is answered once with
    /// <c>Proxy-Authorization: Basic</c> from <paramref name="credentials"/>. Each CONNECT counts
    /// in the connection's sequence numbers (the MockWebServer rule), so the first exchange of a
    /// call through the tunnel is 1 (or 2 after a 407).
    /// </summary>
    /// <returns>Null on success; otherwise the status that refused the tunnel.</returns>
    internal async Task<int?> EstablishTunnelAsync(Exchange exchange, ICredentials? credentials)
    {
        string? authorization = null;
        for (var attempt = 0; ; attempt++)
        {
            using (var head = new PooledBufferWriter())
            {
                var authority = $"{Route.FormatHost(Route.Host)}:{Route.Port.ToString(CultureInfo.InvariantCulture)}";
                Http1Writer.WriteRequestLine(head, "CONNECT", authority, Protocol.Http11);
                Http1Writer.WriteField(head, "Host", authority);
                Http1Writer.WriteField(head, "Proxy-Connection", "Keep-Alive");
                if (authorization is not null)
                {
                    Http1Writer.WriteField(head, "Proxy-Authorization", authorization);
                }

                head.Write("\r\n"u8);
                CountConnectRequest();
                await WriteAsync(head.WrittenMemory, exchange).ConfigureAwait(false);
                await FlushAsync(exchange).ConfigureAwait(false);
            }

            Http1ResponseHead response;
            do
            {
                response = await ReadHeadAsync(exchange).ConfigureAwait(false);
            }
            while (response.StatusCode < 200);

            if (response.StatusCode is >= 200 and < 300)
            {
                if (Buffered.Length > 0)
                {
                    throw Http1ParseException.BadRequest("The proxy sent bytes after its CONNECT response before the tunnel was used.");
                }

                return null;
            }

            // Skip a 407's body so the same socket can carry the second CONNECT.
            await SkipBodyAsync(exchange, response).ConfigureAwait(false);
            if (response.StatusCode != 407 || attempt > 0
                || credentials?.GetCredential(Route.Proxy!, "Basic") is not { } credential
                || HasConnectionClose(response))
            {
                return response.StatusCode;
            }

            authorization = BasicAuthorization(credential);
        }
    }

    /// <summary>The current transport (for wrapping it in TLS).</summary>
    internal Stream Transport => _stream;

    /// <summary>Replaces the transport with TLS over it (after connecting, or inside a tunnel).</summary>
    internal void UseTls(SslStream tls, TlsHandshake handshake)
    {
        _stream = tls;
        Handshake = handshake;
    }

    internal static string BasicAuthorization(NetworkCredential credential) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}"));

    private static bool HasConnectionClose(Http1ResponseHead head) =>
        head.Headers.Any(h => h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
            && h.Value.Contains("close", StringComparison.OrdinalIgnoreCase));

    private async Task SkipBodyAsync(Exchange exchange, Http1ResponseHead head)
    {
        var framing = Http1BodyFraming.ForResponse("CONNECT", head.StatusCode, head.Headers);
        if (framing.Kind == Http1BodyKind.ContentLength)
        {
            var remaining = framing.Length;
            while (remaining > 0)
            {
                if (Buffered.Length == 0 && await FillAsync(exchange).ConfigureAwait(false) == 0)
                {
                    throw new IOException("The proxy closed the connection inside its CONNECT response body.");
                }

                var take = (int)Math.Min(remaining, Buffered.Length);
                Consume(take);
                remaining -= take;
            }
        }
        else if (framing.Kind != Http1BodyKind.None)
        {
            throw Http1ParseException.BadRequest($"Cannot skip a {framing.Kind} body of a CONNECT response.");
        }
    }
}
