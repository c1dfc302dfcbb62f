using System.Buffers;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http1;

/// <summary>
/// A response with a <see cref="MockResponse.DuplexHandler"/>: the head goes out first, then the
/// handler reads the request body as it arrives (through a <see cref="RequestBodyPipe"/> the session
/// fills, TCP pushing back on the client while the handler is behind) while it writes a chunked
/// response body. The request is recorded when its body ended, as on the streaming path.
/// </summary>
internal sealed partial class Http1ServerSession
{
    /// <summary>Serves a duplex exchange whose response was claimed when its head arrived.</summary>
    /// <returns>True when the connection stays open for another request.</returns>
    private async Task<bool> ServeDuplexAsync(Http1RequestHead head, int sequence, Http1BodyFraming framing, ResponseClaim claim)
    {
        // A bound claim: dispatch hands back the claimed response without looking at the request.
        var response = await _server.DispatchAsync(Build(head, sequence, null, null), claim, ShutdownToken).ConfigureAwait(false);
        var pipe = new RequestBodyPipe(pauses: true, onConsumed: null);
        _connection.State = "duplex: reading the request body while writing the response";
        var reading = ReadDuplexBodyAsync(head, sequence, framing, pipe);
        var responded = false;
        try
        {
            responded = await WriteDuplexResponseAsync(head, sequence, response, pipe.Reader, applyStart: true).ConfigureAwait(false);
        }
        finally
        {
            // The handler is done with the body: the rest is only recorded (never a wait on a gone reader).
            await pipe.Reader.DisposeAsync().ConfigureAwait(false);
            if (!responded)
            {
                // The response broke off: close, so the body read ends too (and records the break).
                await _connection.CloseSocketAsync().ConfigureAwait(false);
            }
        }

        var bodyRead = await reading.ConfigureAwait(false);
        return responded && bodyRead && !_connection.InputShutDown && KeepAlive(head, response);
    }

    /// <summary>Reads the body into the pipe and the record; records the request when it ended.</summary>
    /// <returns>True when the body was read to its end.</returns>
    private async Task<bool> ReadDuplexBodyAsync(Http1RequestHead head, int sequence, Http1BodyFraming framing, RequestBodyPipe pipe)
    {
        RequestBodyRead body;
        try
        {
            body = await ReadBodyAsync(framing, trigger: null, pipe).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            pipe.Complete(e);
            RecordFailure(Build(head, sequence, null, new IOException($"The request body broke off: {e.Message}", e)));
            return false;
        }

        Exception? failure = body.ParseError is { } parseError ? new System.Net.ProtocolViolationException(parseError.Message)
            : body.Truncated ? new IOException($"The client closed the connection after {body.Recorder.Size} body bytes{(framing.Length > 0 ? $" of {framing.Length}" : string.Empty)}.")
            : null;
        if (failure is not null)
        {
            // The response has started: a malformed body can no longer be answered 400, only recorded.
            pipe.Complete(failure);
            RecordFailure(Build(head, sequence, body, failure));
            return false;
        }

        pipe.Complete();
        _connection.Record(Build(head, sequence, body, null));
        return true;
    }

    /// <summary>Head, then the handler writing a chunked body while it reads <paramref name="requestBody"/>, then the last chunk.</summary>
    /// <returns>True when the response was sent to its end.</returns>
    private async Task<bool> WriteDuplexResponseAsync(Http1RequestHead head, int sequence, MockResponse response, Stream requestBody, bool applyStart)
    {
        var triggers = response.Effective;
        var ct = ShutdownToken;
        if (applyStart && triggers.OnResponseStart is { } startEffect)
        {
            _server.Log($"[conn {_connection.Index} #{sequence}] {Connections.ServerConnection.DescribeSource(response, response.OnResponseStart)}: {startEffect} instead of a response");
            if (await startEffect.ApplyAsync(_connection, ct).ConfigureAwait(false))
            {
                return false;
            }
        }

        _connection.State = "duplex: writing the response";
        // A scripted "Transfer-Encoding: chunked" is a promise of chunk framing, kept here (not a
        // licence to write the handler's bytes unframed); a scripted Content-Length or another coding
        // leaves the body as the handler writes it.
        var scriptedChunked = ScriptsChunked(response);
        var fixedLength = !scriptedChunked && (response.Headers.Contains("Content-Length") || response.Headers.Contains("Transfer-Encoding"));
        using (var buffer = new PooledBufferWriter(256))
        {
            Http1Writer.WriteStatusLine(buffer, Protocol.Http11, response.Code, response.EffectiveReason);
            foreach (var (name, value) in response.Headers)
            {
                Http1Writer.WriteField(buffer, name, value);
            }

            if (!fixedLength && !scriptedChunked)
            {
                // RFC 9112 section 7.1: the length is unknown until the handler returns.
                Http1Writer.WriteField(buffer, "Transfer-Encoding", "chunked");
            }

            buffer.Write("\r\n"u8);
            await WriteRawAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }

        Stream sink = _connection.Transport;
        ChunkedEncodingStream? chunked = null;
        if (!fixedLength)
        {
            sink = chunked = new ChunkedEncodingStream(sink, int.MaxValue);
        }

        ResponseBodyTriggerStream? trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            sink = trigger = new ResponseBodyTriggerStream(sink, triggers.OnResponseBodyAfterBytes, bodyEffect, _connection, ct);
        }

        MockHeaders? decided;
        try
        {
            // WaitAsync: a handler that ignores its token must not hold the connection past shutdown.
            decided = await response.RunDuplexAsync(requestBody, sink, ct).WaitAsync(ct).ConfigureAwait(false);
            if (trigger is not null)
            {
                await trigger.CompleteAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not (ExchangeTerminatedException or OperationCanceledException) && !ct.IsCancellationRequested)
        {
            _server.Log($"[conn {_connection.Index} #{sequence}] duplex handler failed, response cut short: {e}");
            return false;
        }

        if (chunked is not null)
        {
            await chunked.CompleteAsync(response.TrailersWith(decided), ct).ConfigureAwait(false);
        }

        await _connection.Transport.FlushAsync(ct).ConfigureAwait(false);
        _server.OnResponseSent(_connection, sequence, response.Code, head.Version);
        return triggers.OnResponseEnd is not { } endEffect || !await endEffect.ApplyAsync(_connection, ct).ConfigureAwait(false);
    }
}
