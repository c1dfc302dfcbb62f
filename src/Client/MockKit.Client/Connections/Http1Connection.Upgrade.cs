using System.Net;
using MockKit.Http1;

namespace MockKit.Client.Connections;

// Protocol upgrade (RFC 9110 section 7.8): a request that carries Upgrade (a WebSocket opening
// handshake, RFC 6455 section 4.1) may be answered with 101 Switching Protocols, after which the
// connection speaks the new protocol in both directions. The response's content is then the raw
// connection (Http1UpgradedStream); the connection leaves the pool for good.
internal sealed partial class Http1Connection
{
    /// <summary>Whether <paramref name="request"/> offered an upgrade, the only case a 101 may answer (RFC 9110 section 15.2.2).</summary>
    private static bool RequestsUpgrade(HttpRequestMessage request) => request.Headers.Contains("Upgrade");

    private static Http1ParseException UnrequestedUpgrade() =>
        // RFC 9110 section 15.2.2: the server switches "to the protocol(s) defined by the response's
        // Upgrade header field", which answers the request's own Upgrade; without one there is nothing to
        // switch to, and the bytes that follow cannot be read as HTTP.
        Http1ParseException.BadRequest("The server answered 101 Switching Protocols to a request that did not ask for an upgrade (no Upgrade header).");

    private (HttpResponseMessage, IResponseBody) CreateUpgradedResponse(HttpRequestMessage request, Http1ResponseHead head, Exchange exchange)
    {
        var response = new InstrumentedResponse(HttpStatusCode.SwitchingProtocols)
        {
            ReasonPhrase = head.Reason,
            Version = HttpVersion.Version11,
            RequestMessage = request,
        };
        var hasUpgrade = false;
        foreach (var (name, value) in head.Headers)
        {
            hasUpgrade |= name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
            response.Headers.TryAddWithoutValidation(name, value);
        }

        if (!hasUpgrade)
        {
            // Section 7.8: "A server that sends a 101 (Switching Protocols) response MUST send an Upgrade
            // header field to indicate the new protocol(s) to which the connection is being switched."
            throw Http1ParseException.BadRequest("The server answered 101 Switching Protocols without an Upgrade header naming the new protocol.");
        }

        // From here the connection is the caller's: out of the pool's counts, never reused, closed when
        // the upgraded stream is disposed. Bytes the server sent right behind the 101 head (the first
        // WebSocket frames) are already in our buffer; the stream serves them first.
        exchange.Pool.Detach(this);
        exchange.DetachFromCallToken();
        var stream = new Http1UpgradedStream(this, exchange);
        response.Content = new DuplexContent(stream);
        return (response, stream);
    }
}
