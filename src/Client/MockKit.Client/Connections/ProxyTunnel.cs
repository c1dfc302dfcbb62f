using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using MockKit.Buffers;
using MockKit.Http1;

namespace MockKit.Client.Connections;

/// <summary>
/// The CONNECT tunnel through an HTTP proxy (RFC 9110 section 9.3.6) that connection setup opens
/// on the raw transport before TLS, when a route requires one. It is a conversation with the proxy,
/// not an exchange of the call and not a pooled connection: setup stays protocol-neutral, and the one
/// connection made afterwards (HTTP/1.1 or, by ALPN, HTTP/2) is made once, on the tunnelled stream.
/// </summary>
/// <remarks>
/// A 407 is answered once with <c>Proxy-Authorization: Basic</c> from the proxy's credentials. Each
/// CONNECT counts in an HTTP/1.1 connection's sequence numbers (the MockWebServer rule), so
/// <see cref="OpenAsync"/> returns how many it sent: the first exchange of a call through the tunnel
/// is then 1 (or 2 after a 407). HTTP/2 numbers its streams from 0 whatever the tunnel took. The
/// caller's token bounds the whole conversation (the connect timeout and the call's cancellation).
/// </remarks>
internal static class ProxyTunnel
{
    /// <summary>Opens the tunnel to <paramref name="route"/>'s origin through its proxy.</summary>
    /// <returns>How many CONNECT requests were sent (1, or 2 after an answered 407).</returns>
    /// <exception cref="HttpRequestException">The proxy refused (<see cref="HttpRequestError.ProxyTunnelError"/>, with its status).</exception>
    public static async Task<int> OpenAsync(Stream transport, Route route, ICredentials? credentials, CancellationToken cancellationToken)
    {
        var reader = new HeadReader(transport);
        string? authorization = null;
        for (var attempt = 0; ; attempt++)
        {
            using (var head = new PooledBufferWriter())
            {
                var authority = $"{Route.FormatHost(route.Host)}:{route.Port.ToString(CultureInfo.InvariantCulture)}";
                Http1Writer.WriteRequestLine(head, "CONNECT", authority, Protocol.Http11);
                Http1Writer.WriteField(head, "Host", authority);
                Http1Writer.WriteField(head, "Proxy-Connection", "Keep-Alive");
                if (authorization is not null)
                {
                    Http1Writer.WriteField(head, "Proxy-Authorization", authorization);
                }

                head.Write("\r\n"u8);
                await transport.WriteAsync(head.WrittenMemory, cancellationToken).ConfigureAwait(false);
                await transport.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            Http1ResponseHead response;
            do
            {
                response = await reader.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
            }
            while (response.StatusCode < 200);

            if (response.StatusCode is >= 200 and < 300)
            {
                if (reader.HasBufferedBytes)
                {
                    // Whatever follows belongs to the tunnel's first protocol (a TLS ServerHello cannot
                    // come before our ClientHello): the proxy broke the exchange.
                    throw Http1ParseException.BadRequest("The proxy sent bytes after its CONNECT response before the tunnel was used.");
                }

                return attempt + 1;
            }

            // Skip a 407's body so the same socket can carry the second CONNECT.
            await reader.SkipBodyAsync(response, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != 407 || attempt > 0
                || credentials?.GetCredential(route.Proxy!, "Basic") is not { } credential
                || HasConnectionClose(response))
            {
                throw new HttpRequestException(
                    HttpRequestError.ProxyTunnelError,
                    $"The proxy {route.Proxy} refused the tunnel to {route.Origin} with status {response.StatusCode}.",
                    statusCode: (HttpStatusCode)response.StatusCode);
            }

            authorization = BasicAuthorization(credential);
        }
    }

    /// <summary>The <c>Basic</c> credentials of RFC 7617 for a <c>Proxy-Authorization</c> field.</summary>
    internal static string BasicAuthorization(NetworkCredential credential) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.UserName}:{credential.Password}"));

    private static bool HasConnectionClose(Http1ResponseHead head) =>
        head.Headers.Any(h => h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)
            && h.Value.Contains("close", StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads the proxy's response heads with the shared parser, and skips a refusal's body.</summary>
    private sealed class HeadReader(Stream transport)
    {
        private byte[] _buffer = new byte[4 * 1024];
        private int _start;
        private int _end;

        public bool HasBufferedBytes => _end > _start;

        public async Task<Http1ResponseHead> ReadHeadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
                if (Http1HeadParser.TryParseResponseHead(ref sequence, Http1Limits.Default, out var head))
                {
                    _start = _end - (int)sequence.Length;
                    return head;
                }

                if (await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IOException(_end > _start
                        ? "The proxy closed the connection in the middle of its CONNECT response head."
                        : "The proxy closed the connection without answering the CONNECT.");
                }
            }
        }

        public async Task SkipBodyAsync(Http1ResponseHead head, CancellationToken cancellationToken)
        {
            var framing = Http1BodyFraming.ForResponse("CONNECT", head.StatusCode, head.Headers);
            if (framing.Kind == Http1BodyKind.ContentLength)
            {
                var remaining = framing.Length;
                while (remaining > 0)
                {
                    if (_end == _start && await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        throw new IOException("The proxy closed the connection inside its CONNECT response body.");
                    }

                    var take = (int)Math.Min(remaining, _end - _start);
                    _start += take;
                    remaining -= take;
                }
            }
            else if (framing.Kind != Http1BodyKind.None)
            {
                throw Http1ParseException.BadRequest($"Cannot skip a {framing.Kind} body of a CONNECT response.");
            }
        }

        private async Task<int> FillAsync(CancellationToken cancellationToken)
        {
            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_end == _buffer.Length)
            {
                // Move what is left to the front, growing for a head bigger than the buffer (the parser's limit bounds this).
                var target = _end - _start > _buffer.Length / 2 ? new byte[_buffer.Length * 2] : _buffer;
                Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
                _end -= _start;
                _start = 0;
                _buffer = target;
            }

            var read = await transport.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _end += read;
            return read;
        }
    }
}
