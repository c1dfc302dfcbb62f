namespace MockKit.Client.Connections;

/// <summary>
/// Which protocols one request may use, from the handler's <see cref="InstrumentedHandler.Protocols"/>
/// and the request's <see cref="HttpRequestMessage.Version"/> and <see cref="HttpRequestMessage.VersionPolicy"/>.
/// </summary>
/// <remarks>
/// <para>The rule (documented on <see cref="InstrumentedHandler.Protocols"/>):</para>
/// <list type="bullet">
/// <item>A request for 2.0 with <see cref="HttpVersionPolicy.RequestVersionExact"/> or
/// <see cref="HttpVersionPolicy.RequestVersionOrHigher"/> must use HTTP/2: over https, ALPN offers
/// only <c>h2</c> (needs <see cref="Protocol.Http2"/>); over http, prior knowledge (needs
/// <see cref="Protocol.H2PriorKnowledge"/> or <see cref="Protocol.Http2"/>: SocketsHttpHandler also
/// speaks prior knowledge for such a request, so gRPC channels work unchanged). Otherwise:
/// <see cref="HttpRequestException"/>, never a silent downgrade.</item>
/// <item>A request for 1.x with <see cref="HttpVersionPolicy.RequestVersionExact"/> must use HTTP/1.1
/// (needs <see cref="Protocol.Http11"/>).</item>
/// <item>Any other request follows <c>Protocols</c>: https offers what it lists in ALPN
/// (<c>h2</c>, <c>http/1.1</c>); http uses prior knowledge when it lists
/// <see cref="Protocol.H2PriorKnowledge"/> and either no <see cref="Protocol.Http11"/> or the request
/// asks for 2.0; otherwise HTTP/1.1.</item>
/// </list>
/// </remarks>
internal readonly record struct ProtocolPolicy(bool Http11, bool Http2, bool PriorKnowledge)
{
    // Only for the messages: made eagerly, the redacted URL was a new string for every request.
    private static string Shown(HttpRequestMessage request, bool disableUriRedaction) =>
        Diagnostics.UriRedaction.Show(request.RequestUri, disableUriRedaction);

    public static ProtocolPolicy For(HttpRequestMessage request, IReadOnlyList<Protocol> protocols, bool disableUriRedaction = false)
    {
        var https = request.RequestUri!.Scheme == Uri.UriSchemeHttps;
        var http11 = protocols.Contains(Protocol.Http11) || protocols.Contains(Protocol.Http10);
        var http2 = protocols.Contains(Protocol.Http2);
        var priorKnowledge = protocols.Contains(Protocol.H2PriorKnowledge);
        var wants2 = request.Version.Major >= 2;
        if (wants2 && request.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower)
        {
            // Over http, an explicit request for 2.0 is itself the prior knowledge (RFC 9113 section 3.3)
            // when the list allows HTTP/2 in any form: SocketsHttpHandler does the same, which is what
            // Grpc.Net.Client relies on for cleartext channels.
            if (https ? !http2 : !(priorKnowledge || http2))
            {
                throw new HttpRequestException(
                    HttpRequestError.VersionNegotiationError,
                    $"The request asks for HTTP/{request.Version} ({request.VersionPolicy}) to {Shown(request, disableUriRedaction)}, but the handler's Protocols "
                    + $"[{string.Join(", ", protocols)}] do not allow {(https ? "Http2" : "Http2 or H2PriorKnowledge (cleartext HTTP/2)")}.");
            }

            return https ? new(false, true, false) : new(false, false, true);
        }

        if (!wants2 && request.VersionPolicy == HttpVersionPolicy.RequestVersionExact)
        {
            if (!http11)
            {
                throw new HttpRequestException(
                    HttpRequestError.VersionNegotiationError,
                    $"The request asks for exactly HTTP/{request.Version}, but the handler's Protocols [{string.Join(", ", protocols)}] do not allow Http11.");
            }

            return new(true, false, false);
        }

        if (https)
        {
            if (!http11 && !http2)
            {
                throw new HttpRequestException(
                    HttpRequestError.VersionNegotiationError,
                    $"H2PriorKnowledge is cleartext only; the handler's Protocols [{string.Join(", ", protocols)}] allow nothing for {Shown(request, disableUriRedaction)}.");
            }

            return new(http11, http2, false);
        }

        return priorKnowledge && (!http11 || wants2) ? new(false, false, true) : new(true, false, false);
    }

    /// <summary>Whether a pooled connection speaks a protocol this request may use.</summary>
    public bool Allows(PooledConnection connection) =>
        connection.Protocol switch
        {
            Protocol.Http2 => Http2,
            Protocol.H2PriorKnowledge => PriorKnowledge,
            _ => Http11,
        };
}
