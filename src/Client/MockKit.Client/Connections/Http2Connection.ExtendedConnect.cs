using System.Globalization;
using System.Net;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

// RFC 8441 extended CONNECT: a request with :protocol (ClientWebSocket sets
// HttpRequestHeaders.Protocol = "websocket") opens a stream that carries the named protocol as DATA
// both ways. Allowed only once the server's SETTINGS carried SETTINGS_ENABLE_CONNECT_PROTOCOL = 1
// (section 3); a connection is pooled only after the server's first SETTINGS arrived (StartAsync),
// so the check below never races the preface. A 2xx answer makes the response's content a duplex
// stream (Http2DuplexStream); the stream is one active exchange of the connection until it ends.
internal sealed partial class Http2Connection
{

    /// <summary>A CONNECT with a <c>:protocol</c> (RFC 8441 section 4), as opposed to a tunnel's CONNECT.</summary>
    internal static bool IsExtendedConnect(HttpRequestMessage request) =>
        request.Method == HttpMethod.Connect && request.Headers.Protocol is not null;

    /// <summary>Section 3: "a client MUST NOT send [an extended CONNECT] until it has received" the setting with value 1.
    /// No downgrade: the caller asked for HTTP/2 and learns why it cannot have it.</summary>
    private void EnsureExtendedConnectAllowed(HttpRequestMessage request)
    {
        if (!_core.PeerEnableConnectProtocol)
        {
            throw new HttpRequestException(
                HttpRequestError.ExtendedConnectNotSupported,
                $"The HTTP/2 server {Route} did not send SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so it does not accept an extended CONNECT "
                + $"(':protocol {request.Headers.Protocol}', RFC 8441 section 3) for {Diagnostics.UriRedaction.Show(request.RequestUri, disableRedaction: false)}.");
        }

        if (request.Content is not null)
        {
            // The protocol's bytes go on the response's duplex stream; a request body would end our side
            // (END_STREAM) before the tunnel even exists.
            throw new HttpRequestException(
                HttpRequestError.Unknown,
                $"An extended CONNECT (':protocol {request.Headers.Protocol}') carries its data on the response stream; it cannot have request content.");
        }
    }

    private static bool IsSuccess(List<HpackHeaderField> head) =>
        int.TryParse(head.Find(f => f.Name == ":status").Value, NumberStyles.None, CultureInfo.InvariantCulture, out var status)
        && status is >= 200 and < 300;

    private (InstrumentedResponse, IResponseBody) CreateExtendedConnectResponse(HttpRequestMessage request, List<HpackHeaderField> head, Http2ClientStream stream, CancellationTokenRegistration registration)
    {
        if (!IsSuccess(head))
        {
            // Section 5: only a 2xx establishes the tunnel. Anything else is an ordinary response; our
            // side, left open for the protocol's DATA, has nothing to send and ends now so the stream
            // can close when the response body ends.
            QueueEndStream(stream);
            return CreateResponse(request, head, stream, registration);
        }

        var status = int.Parse(head.Find(f => f.Name == ":status").Value, CultureInfo.InvariantCulture);
        var response = new InstrumentedResponse((HttpStatusCode)status)
        {
            Version = HttpVersion.Version20,
            RequestMessage = request,
        };
        foreach (var field in head)
        {
            if (!field.Name.StartsWith(':'))
            {
                response.Headers.TryAddWithoutValidation(field.Name, field.Value);
            }
        }

        stream.Exchange.DetachFromCallToken(); // The WebSocket decides how long the stream lives from here.
        var body = new Http2DuplexStream(this, stream, registration);
        response.Content = new DuplexContent(body);
        return (response, body);
    }

    /// <summary>Ends our side of a duplex stream: an empty DATA frame with END_STREAM (section 8.1).</summary>
    internal void QueueEndStream(Http2ClientStream stream) => QueueData(stream, ReadOnlyMemory<byte>.Empty, endStream: true);
}
