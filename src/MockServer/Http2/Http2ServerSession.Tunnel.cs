using System.Globalization;
using System.Text;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Streaming;
using MockKit.MockServer.WebSockets;

namespace MockKit.MockServer.Http2;

/// <summary>
/// Exchanges answered while the request's DATA still flows: an RFC 8441 extended CONNECT carrying a
/// WebSocket (<see cref="MockResponse.WebSocketHandler"/>: <c>:status 200</c>, then the stream's DATA
/// in both directions is the WebSocket's byte stream), and a <see cref="MockResponse.DuplexHandler"/>
/// (HEADERS first, then the handler reads the body through the stream's <see cref="RequestBodyPipe"/>,
/// whose credit returns as it reads, while it writes DATA under the send windows).
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

            var piped = stream;
            stream.BodyPipe = new RequestBodyPipe(pauses: false, onConsumed: n => OnStreamBodyConsumed(piped, n));
            if (endStream)
            {
                stream.BodyPipe.Complete();
            }
        }
    }

    /// <summary>An extended CONNECT, or a duplex exchange whose response was claimed as its HEADERS arrived.</summary>
    private async Task ServeTunnelAsync(Http2ServerStream stream, RequestBodyPipe pipe, ResponseClaim? claim, CancellationToken ct)
    {
        var head = stream.Head!;
        if (head.Protocol is null)
        {
            // Duplex: a bound claim, so dispatch returns the claimed response; recorded when the body ended.
            var response = await _server.DispatchAsync(BuildHead(stream), claim, ct).ConfigureAwait(false);
            var recording = RecordWhenBodyEndsAsync(stream);
            try
            {
                await RunDuplexAsync(stream, pipe.Reader, response, applyStart: true, ct).ConfigureAwait(false);
            }
            finally
            {
                await pipe.Reader.DisposeAsync().ConfigureAwait(false); // The rest is only recorded (and credited).
                await recording.ConfigureAwait(false);
            }

            return;
        }

        // RFC 8441 section 5: the CONNECT is the whole request; what follows on the stream is the
        // tunnel's bytes, not a body, so it is recorded now.
        var request = Build(stream, null);
        _connection.RecordForDispatch(request);
        _connection.State = "HTTP/2: dispatching an extended CONNECT";
        var answer = await _server.DispatchAsync(request, claim, ct).ConfigureAwait(false);
        if (answer.WebSocketHandler is null && answer.DuplexHandler is null)
        {
            // Answered like any request (e.g. a scripted 404 refusing the WebSocket).
            DetachBodyPipe(stream);
            await ServerExchange.RespondAsync(stream, answer, request, bodyUnread: false, ct).ConfigureAwait(false);
            EndTunnel(stream);
            return;
        }

        await RespondWithHandlerAsync(stream, request, answer, ct, pipe.Reader).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the response's WebSocket or duplex handler. <paramref name="tunnel"/> is the live request
    /// DATA; without it (dispatched after the whole body) the handler reads the recorded body.
    /// </summary>
    private async Task RespondWithHandlerAsync(Http2ServerStream stream, RecordedRequest request, MockResponse response, CancellationToken ct, Stream? tunnel = null)
    {
        var head = stream.Head!;
        if (response.WebSocketHandler is { } handler)
        {
            string? subprotocol;
            try
            {
                subprotocol = WebSocketHandshake.ValidateExtendedConnect(head.Method!, head.Protocol, head.Fields, response);
            }
            catch (WebSocketHandshakeException e)
            {
                request.Failure ??= e; // Before any response byte, as a dispatcher's verdict would be.
                _server.ObserveOutcome(request);
                Log($"stream {stream.Id}: WebSocket handshake refused: {e.Message}");
                await RefuseAsync(stream, e, ct).ConfigureAwait(false);
                EndTunnel(stream);
                return;
            }

            _server.ObserveOutcome(request);
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
            var upgraded = new StreamPair(tunnel ?? Stream.Null, new Http2TunnelWriteStream(ResponseSink(stream, response.Effective, ct, out _)));
            await WebSocketSession.RunAsync(upgraded, subprotocol, handler, request, line => Log($"stream {stream.Id}: {line}"), ct).ConfigureAwait(false);
            await EndStreamQuietlyAsync(stream, ct).ConfigureAwait(false);
            EndTunnel(stream);
            return;
        }

        using var recorded = tunnel is null ? new MemoryStream(request.Body, writable: false) : null;
        // Through the tunnel OnResponseStart is this writer's; after dispatch the pipeline applied it.
        await RunDuplexAsync(stream, tunnel ?? recorded!, response, applyStart: tunnel is not null, ct).ConfigureAwait(false);
        if (head.Protocol is not null)
        {
            EndTunnel(stream);
        }
    }

    /// <summary>HEADERS, then the duplex handler writing DATA while it reads <paramref name="requestBody"/>, then END_STREAM (or trailers).</summary>
    private async Task RunDuplexAsync(Http2ServerStream stream, Stream requestBody, MockResponse response, bool applyStart, CancellationToken ct)
    {
        var triggers = response.Effective;
        if (applyStart && triggers.OnResponseStart is { } startEffect)
        {
            Log($"stream {stream.Id}: {ServerConnection.DescribeSource(response, response.OnResponseStart)}: {startEffect} instead of a response");
            if (await startEffect.ApplyAsync(stream, ct).ConfigureAwait(false))
            {
                return;
            }
        }

        // No content-length: the length is whatever the handler writes.
        QueueHeaders(stream, ResponseFields(response, addLength: false), endStream: false);
        await FlushAsync(ct).ConfigureAwait(false);
        _connection.State = "HTTP/2: duplex";
        var sink = new Http2TunnelWriteStream(ResponseSink(stream, triggers, ct, out var trigger));
        MockHeaders? decided;
        try
        {
            // WaitAsync: a handler that ignores its token must not hold the stream past a reset or shutdown.
            decided = await response.RunDuplexAsync(requestBody, sink, ct).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (ExchangeTerminatedException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            // Section 8.1: a response cut short is a reset stream, never a clean END_STREAM.
            _server.Log($"[conn {_connection.Index} stream {stream.Id}] duplex handler failed, stream reset: {e}");
            await ResetStreamAsync(stream, Http2ErrorCode.InternalError).ConfigureAwait(false);
            return;
        }

        if (trigger is not null)
        {
            await trigger.CompleteAsync(ct).ConfigureAwait(false); // A body shorter than the threshold: it fires at the end.
        }

        var trailers = response.TrailersWith(decided);
        if (trailers.Count > 0)
        {
            QueueHeaders(stream, Fields(trailers, []), endStream: true);
        }
        else
        {
            await WriteDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, ct).ConfigureAwait(false);
        }

        await FlushAsync(ct).ConfigureAwait(false);
        _server.OnResponseSent(_connection, stream.Sequence, response.Code, Protocol.Http2);
        if (triggers.OnResponseEnd is { } endEffect)
        {
            await endEffect.ApplyAsync(stream, ct).ConfigureAwait(false);
        }
    }

    /// <summary>DATA frames on the stream, behind the OnResponseBody counter when one is set.</summary>
    private Stream ResponseSink(Http2ServerStream stream, PolicyTriggers triggers, CancellationToken ct, out ResponseBodyTriggerStream? trigger)
    {
        Stream sink = new Http2DataStream(this, stream);
        trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            sink = trigger = new ResponseBodyTriggerStream(sink, triggers.OnResponseBodyAfterBytes, bodyEffect, stream, ct);
        }

        return sink;
    }

    /// <summary>Waits for the request body's end and records the request (or its failure).</summary>
    private async Task RecordWhenBodyEndsAsync(Http2ServerStream stream)
    {
        try
        {
            // Not the stream's token: a client reset completes the wait with a failure to record.
            await stream.WaitForBodyAsync(long.MaxValue, SessionToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            RecordFailure(stream, new IOException("The connection ended before the request body did."));
            return;
        }

        if (!RequestComplete(stream, out var failure))
        {
            RecordFailure(stream, failure ?? new IOException("The request body did not end."));
            return;
        }

        _connection.Record(Build(stream, null));
    }

    /// <summary>400, or 426 with <c>sec-websocket-version: 13</c>, with the reason as text.</summary>
    private async Task RefuseAsync(Http2ServerStream stream, WebSocketHandshakeException e, CancellationToken ct)
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
        await WriteDataAsync(stream, message, endStream: true, ct).ConfigureAwait(false);
        await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Ends our side of the stream unless a policy or a reset already did; a closed stream is fine.</summary>
    private async Task EndStreamQuietlyAsync(Http2ServerStream stream, CancellationToken ct)
    {
        try
        {
            await WriteDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, ct).ConfigureAwait(false);
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
    /// </summary>
    private void EndTunnel(Http2ServerStream stream)
    {
        bool open;
        lock (_lock)
        {
            open = !stream.RequestEnded && _streams.ContainsKey(stream.Id);
        }

        DetachBodyPipe(stream);
        if (open)
        {
            QueueReset(stream.Id, Http2ErrorCode.NoError, stream);
        }
    }
}
