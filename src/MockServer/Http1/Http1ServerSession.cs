using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using MockKit.Http1;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;

namespace MockKit.MockServer.Http1;

/// <summary>
/// Serves HTTP/1.x on one connection: reads a request, records it, dispatches it, writes the
/// response, and repeats while the connection stays open. Every trigger of
/// <see cref="MockResponse"/> fires here at its moment:
/// <list type="bullet">
/// <item>OnRequestStart — before each request is read (for kept-alive connections, as soon as
/// its first byte arrives);</item>
/// <item>OnRequestBody — after half the declared body (after the first chunk when chunked);</item>
/// <item>OnResponseStart — after the request is recorded and dispatched, before any response byte;</item>
/// <item>OnResponseBody — after N body bytes, via <see cref="ResponseBodyTriggerStream"/>;</item>
/// <item>OnResponseEnd — after the whole response.</item>
/// </list>
/// Malformed input is answered with 400/414/431/501/505 where the socket allows, recorded with
/// a failure, and ends only this connection.
/// </summary>
internal sealed partial class Http1ServerSession
{
    private readonly ServerConnection _connection;
    private readonly MockWebServer _server;
    private readonly List<PipeReader> _retiredInputs = [];
    private PipeReader _input;
    private bool _switchToHttp2;
    private byte[] _rawHead = []; // The current request's head as received, for its recording.

    public Http1ServerSession(ServerConnection connection)
    {
        _connection = connection;
        _server = connection.Server;
        _input = PipeReader.Create(connection.Transport, new StreamPipeReaderOptions(leaveOpen: true));
    }

    private CancellationToken ShutdownToken => _connection.ShutdownToken;

    /// <summary>Serves requests until the connection ends or switches protocol.</summary>
    /// <returns>True when a TLS upgrade negotiated h2: the caller continues the connection as HTTP/2.</returns>
    public async Task<bool> RunAsync()
    {
        try
        {
            for (var first = true; ; first = false)
            {
                if (!first && !await WaitForFirstByteAsync().ConfigureAwait(false))
                {
                    return false;
                }

                if (await _connection.ApplyRequestStartAsync(Protocol.Http11).ConfigureAwait(false))
                {
                    return false;
                }

                if (!await ServeOneAsync().ConfigureAwait(false))
                {
                    return _switchToHttp2;
                }
            }
        }
        finally
        {
            await _input.CompleteAsync().ConfigureAwait(false);

            // After a switch to HTTP/2 the retired readers sit beneath the TLS stream the HTTP/2
            // session reads through: they must stay open, and go away with the connection.
            if (!_switchToHttp2)
            {
                foreach (var retired in _retiredInputs)
                {
                    await retired.CompleteAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Waits until the next request's first byte arrives, consuming nothing.</summary>
    /// <returns>False when the client closed the connection instead.</returns>
    private async Task<bool> WaitForFirstByteAsync()
    {
        _connection.State = "idle, waiting for the next request";
        var result = await _input.ReadAsync(ShutdownToken).ConfigureAwait(false);
        var available = !result.Buffer.IsEmpty;
        _input.AdvanceTo(result.Buffer.Start);
        return available;
    }

    /// <summary>Serves one exchange.</summary>
    /// <returns>True when the connection stays open for another request.</returns>
    private async Task<bool> ServeOneAsync()
    {
        _connection.State = "reading a request head";
        Http1RequestHead? head;
        try
        {
            (head, _rawHead) = await ReadHeadAsync().ConfigureAwait(false);
        }
        catch (Http1ParseException e)
        {
            var line = PeekFirstLine();
            RecordFailure(RecordedRequestFactory.Malformed(line, _connection.NextSequenceNumber(), _connection.Index, Protocol.Http11, _connection.Handshake, new ProtocolViolationException(e.Message)));
            await RejectAsync(e).ConfigureAwait(false);
            return false;
        }

        if (head is null)
        {
            return false;
        }

        var sequence = _connection.NextSequenceNumber();
        _connection.CurrentRequestLine = head.RequestLine;
        if (_server.IsLogging)
        {
            _server.Log(_connection.Index, sequence, $"{Dispatching.Redaction.LoggedRequestLine(head.Target, head.RequestLine)}");
        }

        Http1BodyFraming framing;
        try
        {
            framing = Http1BodyFraming.ForRequest(head.Headers);
            HostFieldRule.Check(head);
        }
        catch (Http1ParseException e)
        {
            RecordFailure(Build(head, sequence, null, new ProtocolViolationException(e.Message)));
            await RejectAsync(e).ConfigureAwait(false);
            return false;
        }

        // Take this exchange's response now, while only its head is known, so the early policies
        // below come from the response this request is then given (another connection's request
        // can no longer be dispatched in between). Handed back if the exchange ends before dispatch.
        var claim = _server.ClaimResponse(Build(head, sequence, null, null));
        MockResponse response;
        RecordedRequest? recorded = null; // The exchange's recording, once made (a WebSocket refusal sets its failure).
        RequestBodyRead? body = null;
        var bodyUnread = false;
        try
        {
            var early = claim?.Response.Effective ?? PolicyTriggers.None;
            if (claim is { Bound: true } && early.OnRequestStart is { } lateStart)
            {
                // The response that acts at request start was still queued when this request
                // arrived (another connection took the one before it): it belongs to this request.
                var failure = new SocketPolicyException(
                    nameof(MockResponse.OnRequestStart), lateStart,
                    $"{ServerConnection.DescribeSource(claim.Response, claim.Response.OnRequestStart)}: {lateStart} when the request head arrived.");
                var started = Build(head, sequence, null, failure);
                _connection.Record(started);
                await _server.DispatchAsync(started, claim, ShutdownToken).ConfigureAwait(false);
                claim = null;
                _server.Log(_connection.Index, sequence, $"{failure.Message}");
                await lateStart.ApplyAsync(_connection, ShutdownToken).ConfigureAwait(false);
                return false;
            }

            if (ShouldSendContinue(early.Continue, head, framing))
            {
                await WriteRawAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
            }

            bodyUnread = early.DoNotReadRequestBody && framing.Kind != Http1BodyKind.None;

            // A duplex response known now (enqueued or routed) reads the body while it answers.
            if (!bodyUnread && early.OnRequestBody is null && claim is { Bound: true, Response.DuplexHandler: not null })
            {
                var duplexClaim = claim;
                claim = null;
                return await ServeDuplexAsync(head, sequence, framing, duplexClaim).ConfigureAwait(false);
            }

            // Nothing needs the body read first: a streaming dispatcher (a forward) gets the request
            // now and its body as it arrives; the request is recorded when the body ended.
            var streamingDispatcher = bodyUnread || early.OnRequestBody is not null ? null : _server.StreamingDispatcherFor(claim);
            if (streamingDispatcher is not null)
            {
                claim = null; // Not bound (StreamingDispatcherFor): nothing to hand back.
                if (await DispatchStreamingAsync(head, sequence, framing, streamingDispatcher).ConfigureAwait(false) is not { } streamed)
                {
                    return false;
                }

                response = streamed;
            }
            else
            {
                MockResponse? answered = null;
                if (!bodyUnread)
                {
                    _connection.State = "reading a request body";
                    body = await ReadBodyAsync(framing, early.OnRequestBody).ConfigureAwait(false);
                    if (body.ParseError is { } parseError)
                    {
                        RecordFailure(Build(head, sequence, body, new ProtocolViolationException(parseError.Message)));
                        await RejectAsync(parseError).ConfigureAwait(false);
                        return false;
                    }

                    if (body.Truncated)
                    {
                        RecordFailure(Build(head, sequence, body, new IOException(
                            $"The client closed the connection after {body.Recorder.Size} body bytes{(framing.Length > 0 ? $" of {framing.Length}" : string.Empty)}.")));
                        return false;
                    }

                    if (body.TriggerFired is { } bodyEffect)
                    {
                        // The body trigger consumed this exchange: record the partial request, consume
                        // its claimed response so the next request gets the next one, act.
                        var failure = new SocketPolicyException(
                            nameof(MockResponse.OnRequestBody), bodyEffect,
                            $"{ServerConnection.DescribeSource(claim!.Response, claim.Response.OnRequestBody)}: {bodyEffect} after {body.Recorder.Size} body bytes.");
                        var partial = recorded = Build(head, sequence, body, failure);
                        _connection.Record(partial);
                        var bodyClaim = claim;
                        claim = null;
                        answered = await _server.DispatchAsync(partial, bodyClaim, ShutdownToken).ConfigureAwait(false);
                        _server.Log(_connection.Index, sequence, $"{failure.Message}");
                        if (await bodyEffect.ApplyAsync(_connection, ShutdownToken).ConfigureAwait(false))
                        {
                            return false;
                        }

                        // A half-close leaves the exchange going, as on HTTP/2: the partial request stays
                        // the one recording and its response is the one sent. The rest of the body is
                        // still unread, so the connection cannot carry another request afterwards.
                        bodyUnread = true;
                    }
                }

                if (answered is null)
                {
                    var request = recorded = Build(head, sequence, body, null);
                    _connection.RecordForDispatch(request);

                    _connection.State = "dispatching";
                    var dispatchClaim = claim;
                    claim = null;
                    answered = await _server.DispatchAsync(request, dispatchClaim, ShutdownToken).ConfigureAwait(false);
                }

                response = answered;
            }
        }
        finally
        {
            // Still held: the exchange ended before dispatch, so the next request deserves it.
            MockWebServer.ReleaseResponse(claim);
        }

        // A streamed body (a forwarded response's) is relayed once and let go of however the
        // exchange ends, so the upstream is never left half read.
        response.Body.Source?.Take();
        try
        {
            return await RespondAsync(head, sequence, response, bodyUnread, recorded).ConfigureAwait(false);
        }
        finally
        {
            if (response.Body.Source is { } streamed)
            {
                await streamed.ReleaseAsync(ShutdownToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends the dispatched response with its triggers.</summary>
    /// <returns>True when the connection stays open for another request.</returns>
    private async Task<bool> RespondAsync(Http1RequestHead head, int sequence, MockResponse response, bool bodyUnread, RecordedRequest? request)
    {
        var triggers = response.Effective;
        if (triggers.OnResponseStart is { } startEffect)
        {
            _server.Log(_connection.Index, sequence, $"{ServerConnection.DescribeSource(response, response.OnResponseStart)}: {startEffect} instead of a response");
            if (await startEffect.ApplyAsync(_connection, ShutdownToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        if (response.WebSocketHandler is not null)
        {
            await ServeWebSocketAsync(head, sequence, response, request).ConfigureAwait(false);
            return false; // Never reused: the connection carried a WebSocket (or a refused handshake).
        }

        if (response.DuplexHandler is not null)
        {
            // Dispatched after the whole body (a custom dispatcher): the handler reads it from the record.
            using var recordedBody = new MemoryStream(request?.Body ?? [], writable: false);
            return await WriteDuplexResponseAsync(head, sequence, response, recordedBody, applyStart: false).ConfigureAwait(false) && !bodyUnread && KeepAlive(head, response);
        }

        _connection.State = "writing the response";
        await WriteResponseAsync(head, response, triggers).ConfigureAwait(false);
        if (_server.IsLogging)
        {
            _server.Log(_connection.Index, sequence, $"-> {response.Code} {response.EffectiveReason} ({(response.Body.Source is { } sent ? sent.Size : response.Body.Length)} body bytes)");
        }

        _server.OnResponseSent(_connection, sequence, response.Code, head.Version);

        if (triggers.OnResponseEnd is { } endEffect
            && await endEffect.ApplyAsync(_connection, ShutdownToken).ConfigureAwait(false))
        {
            return false;
        }

        if (_connection.InputShutDown)
        {
            return false;
        }

        if (triggers.UpgradeToSslAtEnd)
        {
            await UpgradeToTlsAsync().ConfigureAwait(false);

            // ALPN inside the tunnel picked h2: stop reading HTTP/1 here (nothing was buffered from
            // the new TLS stream yet) and let ServerConnection continue with an HTTP/2 session.
            _switchToHttp2 = _connection.Handshake?.ApplicationProtocol == "h2";
            return !_switchToHttp2;
        }

        return !bodyUnread && KeepAlive(head, response);
    }

    private static bool ShouldSendContinue(ContinueMode mode, Http1RequestHead head, Http1BodyFraming framing) => mode switch
    {
        ContinueMode.Always => true,
        ContinueMode.WhenExpected => framing.Kind != Http1BodyKind.None
            && head.Headers.Exists(h => h.Key.Equals("Expect", StringComparison.OrdinalIgnoreCase)
                && h.Value.Equals("100-continue", StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    // RFC 9112 section 9.3: HTTP/1.1 persists unless "close" is sent; HTTP/1.0 needs "keep-alive".
    private static bool KeepAlive(Http1RequestHead head, MockResponse response)
    {
        if (HasToken(head.Headers, "Connection", "close") || HasToken(response.Headers, "Connection", "close"))
        {
            return false;
        }

        return head.Version != Protocol.Http10 || HasToken(head.Headers, "Connection", "keep-alive");
    }

    private static bool HasToken(IEnumerable<KeyValuePair<string, string>> headers, string name, string token)
    {
        foreach (var (key, value) in headers)
        {
            if (!key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan()[range].Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private RecordedRequest Build(Http1RequestHead head, int sequence, RequestBodyRead? body, Exception? failure)
    {
        return RecordedRequestFactory.Http1(
            _rawHead, _connection.RecordingContext, head.Version, sequence, failure, body?.Recorder, body?.Trailers, body?.ChunkSizes, body?.ChunkCount ?? 0);
    }

    private void RecordFailure(RecordedRequest request)
    {
        _server.Log(_connection.Index, request.SequenceNumber, $"rejected: {request.Failure?.Message}");
        _connection.Record(request);
    }

    /// <summary>Reads one request head.</summary>
    /// <returns>The parsed head and a copy of its raw bytes (for the recording), or (null, empty) at end of input.</returns>
    private async Task<(Http1RequestHead? Head, byte[] Raw)> ReadHeadAsync()
    {
        var limits = _server.RequestLimits;
        while (true)
        {
            var result = await _input.ReadAsync(ShutdownToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool parsed;
            Http1RequestHead? head;
            try
            {
                parsed = Http1HeadParser.TryParseRequestHead(ref buffer, limits, out head);
            }
            catch (Http1ParseException)
            {
                // Leave the bytes unconsumed so the failure can quote the first line.
                _input.AdvanceTo(result.Buffer.Start);
                throw;
            }

            if (parsed)
            {
                var raw = result.Buffer.Slice(result.Buffer.Start, buffer.Start).ToArray();
                _input.AdvanceTo(buffer.Start);
                return (head, raw);
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                if (result.Buffer.IsEmpty)
                {
                    return (null, []);
                }

                throw Http1ParseException.BadRequest($"The client closed the connection in the middle of a request head ({result.Buffer.Length} bytes).");
            }

            _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>The first line of what is buffered, for recording input that did not parse.</summary>
    private string PeekFirstLine()
    {
        if (!_input.TryRead(out var result))
        {
            return string.Empty;
        }

        var line = RecordedRequestFactory.FirstLine(result.Buffer);
        _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        return line;
    }

    private async Task UpgradeToTlsAsync()
    {
        var tls = _server.Tls
            ?? throw new InvalidOperationException("SocketPolicy.UpgradeToSslAtEnd needs certificates: call UseHttps(...) before starting the server.");

        // Bytes the client sent after the CONNECT (it should send nothing before our 200, but a
        // pipelining client might have) stay readable: TLS reads through the pipe's stream.
        var beneath = new StreamPair(_input.AsStream(leaveOpen: true), _connection.Transport);
        _retiredInputs.Add(_input);
        var handshake = await tls.AuthenticateAsync(_connection, beneath).ConfigureAwait(false);
        _input = PipeReader.Create(_connection.Transport, new StreamPipeReaderOptions(leaveOpen: true));
        _connection.Log($"upgraded to TLS: {handshake}");
    }
}
