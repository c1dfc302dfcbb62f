using System.Globalization;
using System.Text;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Streaming;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Http2;

/// <summary>
/// HTTP/2's framing of the exchanges answered while the request's DATA still flows (the pipeline,
/// ServerExchange.BodyFlow.cs, records and dispatches them): an RFC 8441 extended CONNECT carrying a
/// WebSocket (<see cref="MockResponse.WebSocketHandler"/>: <c>:status 200</c>, then the stream's DATA
/// in both directions is the WebSocket's byte stream), and a <see cref="MockResponse.DuplexHandler"/>
/// (HEADERS first, then the handler reads the body through the stream's <see cref="RequestBodyPipe"/>,
/// whose credit returns as it reads, while it writes DATA under the send windows; the order is the
/// pipeline's, Exchanges/DuplexResponseWriter.cs).
/// </summary>
internal sealed partial class Http2ServerSession
{
    /// <summary>
    /// On the reader loop, before the exchange starts: gives a stream that may become a tunnel a body
    /// pipe from its first DATA frame on (the exchange detaches it if not). Extended CONNECTs always;
    /// duplex responses when claimed on arrival (queued or routed, see ServerExchange.ClaimOnArrival).
    /// </summary>
    private void AttachTunnelPipe(Http2ServerStream stream, bool endStream)
    {
        var wanted = stream.Head!.Protocol is not null || stream.ArrivalClaim?.Response.DuplexHandler is not null;
        lock (_lock)
        {
            if (!wanted || stream.BodyPipe is not null)
            {
                return;
            }

            // Through NewBodyPipe: a lambda here would make its closure on every call, before the return above.
            stream.BodyPipe = NewBodyPipe(stream);
            if (endStream)
            {
                stream.BodyPipe.Complete();
            }
        }
    }

    /// <summary>The RFC 8441 handshake accepted: <c>:status 200</c> with the scripted fields, flushed, counted sent.</summary>
    internal async Task AcceptWebSocketAsync(Http2ServerStream stream, MockResponse response, CancellationToken ct)
    {
        List<HpackHeaderField> fields = [new(":status", "200")];
        foreach (var field in Fields(response.Headers, []))
        {
            if (field.Name != "content-length" && field.Name != "sec-websocket-accept")
            {
                fields.Add(field);
            }
        }

        QueueHeaders(stream, fields, endStream: false);
        await FlushAsync(ct).ConfigureAwait(false);
        _server.OnResponseSent(_connection, stream.Sequence, 200, Protocol.Http2);
        _connection.State = "HTTP/2: WebSocket";
    }

    /// <summary>A duplex response's HEADERS, without content-length: the length is whatever the handler writes.</summary>
    internal void WriteDuplexHead(Http2ServerStream stream, MockResponse response)
    {
        QueueHeaders(stream, ResponseFields(response, addLength: false), endStream: false);
        _connection.State = "HTTP/2: duplex";
    }

    /// <summary>A duplex or WebSocket handler's write side: DATA frames on the stream, each write copied and flushed (<see cref="DataSink"/>).</summary>
    internal Stream OpenTunnelBody(Http2ServerStream stream) => DataSink(stream, tunnel: true);

    /// <summary>
    /// The bottom of a response body's decorator stack: writes become DATA frames on the stream
    /// (flow control respected, never END_STREAM), flushes wait for the writer loop. A tunnel's
    /// handler (a WebSocket, a duplex handler) gets each write copied, since queued frames
    /// reference their bytes until the writer sends them and the runtime's WebSocket reuses its
    /// buffer as soon as a write returns, and flushed, so a message is on the wire when its send
    /// completes. A scripted body's sources hand over fresh buffers, so nothing is copied.
    /// </summary>
    private Http2DataWriteStream DataSink(Http2ServerStream stream, bool tunnel) => new(_core, stream)
    {
        CopiesWrites = tunnel,
        FlushesEachWrite = tunnel,
        SynchronousWriteMessage = "The server writes asynchronously only.",
    };

    /// <summary>400, or 426 with <c>sec-websocket-version: 13</c>, with the reason as text.</summary>
    internal async Task RefuseAsync(Http2ServerStream stream, WebSocketHandshakeException e, CancellationToken ct)
    {
        var message = Encoding.UTF8.GetBytes(e.Message + "\n");
        List<HpackHeaderField> fields = [new(":status", e.StatusCode.ToString(CultureInfo.InvariantCulture))];
        if (e.StatusCode == 426)
        {
            fields.Add(new("sec-websocket-version", WebSocketHandshake.Version));
        }

        fields.Add(new("content-type", "text/plain; charset=utf-8"));
        fields.Add(new("content-length", message.Length.ToString(CultureInfo.InvariantCulture)));
        QueueHeaders(stream, fields, endStream: false);
        await _core.WriteDataAsync(stream, message, endStream: true, ct).ConfigureAwait(false);
        await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Ends our side of the stream unless a policy or a reset already did; a closed stream is fine.</summary>
    internal async Task EndStreamQuietlyAsync(Http2ServerStream stream, CancellationToken ct)
    {
        try
        {
            await _core.WriteDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, ct).ConfigureAwait(false);
            await FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ExchangeTerminatedException or IOException or ObjectDisposedException)
        {
            // The stream or the connection is already gone.
        }
    }

    /// <summary>
    /// After the tunnel's response ended: if the client has not ended its side, RST_STREAM(NO_ERROR)
    /// tells it to stop sending (RFC 9113 section 8.1: a complete response need not wait for the request).
    /// A stream already closed (an OnResponseEnd CloseStream reset it) gets no second RST_STREAM.
    /// </summary>
    private void EndTunnel(Http2ServerStream stream)
    {
        bool open;
        lock (_lock)
        {
            open = !stream.RequestEnded && stream.State.State != Http2StreamState.Closed && _streams.ContainsKey(stream.Id);
        }

        DetachBodyPipe(stream);
        if (open)
        {
            QueueReset(stream.Id, Http2ErrorCode.NoError, stream);
        }
    }
}
