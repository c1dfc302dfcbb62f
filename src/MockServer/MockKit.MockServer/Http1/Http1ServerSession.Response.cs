using System.Buffers;
using System.Globalization;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http1;

/// <summary>Response writing: informational responses, delays, framing, and the body decorators.</summary>
internal sealed partial class Http1ServerSession
{
    // Bodies up to this size go out in the same write as the head when nothing paces them.
    private const int CoalesceLimit = 16 * 1024;

    // The response head (and a coalesced body) of the exchange being served; returned to the pool when the session ends.
    private PooledBufferWriter? _responseHead;

    private async Task WriteResponseAsync(Http1RequestHead request, MockResponse response, PolicyTriggers triggers)
    {
        var ct = ShutdownToken;
        var transport = _connection.Transport;
        // Indexed: a foreach over the IList would box its enumerator for every response, 1xx or not.
        var informationalResponses = response.InformationalResponses;
        for (var i = 0; i < informationalResponses.Count; i++)
        {
            var informational = informationalResponses[i];
            using var info = new PooledBufferWriter();
            Http1Writer.WriteStatusLine(info, Protocol.Http11, informational.Code, informational.EffectiveReason);
            Http1Writer.WriteFields(info, informational.Headers);
            await transport.WriteAsync(info.WrittenMemory, ct).ConfigureAwait(false);
        }

        if (response.HeadersDelay > TimeSpan.Zero)
        {
            await transport.FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.HeadersDelay, _server.TimeProvider, ct).ConfigureAwait(false);
        }

        var body = response.Body.Content;
        var streamed = response.Body.Source;
        var sendsBody = request.Method != "HEAD" && !IsBodiless(request.Method, response.Code);
        if (response.Malformed is { } fault)
        {
            await WriteMalformedAsync(response, fault, sendsBody ? body : ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            return;
        }

        if (response.TrailersOnly)
        {
            // The head is the whole response: its fields and the trailer fields, no body.
            using var only = new PooledBufferWriter(256);
            Http1Writer.WriteStatusLine(only, Protocol.Http11, response.Code, response.EffectiveReason);
            foreach (var (name, value) in response.Headers.Concat(response.Trailers))
            {
                Http1Writer.WriteField(only, name, value);
            }

            if (!IsBodiless(request.Method, response.Code) && !response.Headers.Contains("Content-Length"))
            {
                Http1Writer.WriteField(only, "Content-Length", "0");
            }

            only.Write("\r\n"u8);
            await transport.WriteAsync(only.WrittenMemory, ct).ConfigureAwait(false);
            await transport.FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        var events = response.Body.Events;
        var chunkSize = streamed is null && events is null ? ChunkSizeFor(response, body.Length) : StreamedChunkSizeFor(response);

        // The session's own writer, cleared: one exchange at a time writes a response head, so one buffer serves them all.
        var head = _responseHead ??= new PooledBufferWriter(256 + (body.Length <= CoalesceLimit ? body.Length : 0));
        head.Clear();
        Http1Writer.WriteStatusLine(head, Protocol.Http11, response.Code, response.EffectiveReason);
        foreach (var (name, value) in response.Headers.Fields)
        {
            Http1Writer.WriteField(head, name, value);
        }

        if (!response.Headers.Contains("Content-Length") && !response.Headers.Contains("Transfer-Encoding")
            && !IsBodiless(request.Method, response.Code))
        {
            if (chunkSize is not null)
            {
                Http1Writer.WriteField(head, "Transfer-Encoding", "chunked");
            }
            else
            {
                Http1Writer.WriteField(head, "Content-Length", response.Body.Length.ToString(CultureInfo.InvariantCulture));
            }
        }

        head.Write("\r\n"u8);

        var simple = streamed is null && events is null && chunkSize is null && response.Throttle is null && triggers.OnResponseBody is null
            && response.BodyDelay <= TimeSpan.Zero && body.Length <= CoalesceLimit && response.Body.SegmentEnds is null;
        if (simple)
        {
            if (sendsBody)
            {
                head.Write(body.Span);
            }

            await transport.WriteAsync(head.WrittenMemory, ct).ConfigureAwait(false);
            await transport.FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        await transport.WriteAsync(head.WrittenMemory, ct).ConfigureAwait(false);
        if (!sendsBody)
        {
            await transport.FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        if (response.BodyDelay > TimeSpan.Zero)
        {
            await transport.FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.BodyDelay, _server.TimeProvider, ct).ConfigureAwait(false);
        }

        // Decorators, outermost first: trigger (counts body bytes) → chunk framing → throttle → socket.
        Stream sink = transport;
        if (response.Throttle is { } throttle)
        {
            sink = new ThrottledStream(sink, throttle, _server.TimeProvider);
        }

        ChunkedEncodingStream? chunked = null;
        if (chunkSize is { } size)
        {
            sink = chunked = new ChunkedEncodingStream(sink, size);
        }

        ResponseBodyTriggerStream? trigger = null;
        if (triggers.OnResponseBody is { } bodyEffect)
        {
            var after = triggers.OnResponseBodyAfterBytes >= 0 ? triggers.OnResponseBodyAfterBytes : response.Body.HalfLength;
            sink = trigger = new ResponseBodyTriggerStream(sink, after, bodyEffect, _connection, ct);
        }

        if (streamed is not null)
        {
            // Relayed as it arrives: each read goes out (framed, paced, counted) before the next.
            await streamed.CopyToAsync(sink, freshBuffers: false, ct).ConfigureAwait(false);
        }
        else if (events is not null)
        {
            var (count, cut) = response.EventPlan(request.Method);
            await events.WriteAsync(sink, count, _server.TimeProvider, ct).ConfigureAwait(false);
            if (cut)
            {
                // DisconnectAfterEvents: no last chunk, so the body never ends cleanly; the pipeline
                // cuts the exchange next (ServerExchange.CutEventStreamAsync).
                await transport.FlushAsync(ct).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            // A paced body goes out segment by segment, each flushed (MockBody.Paced).
            await response.Body.WriteAsync(sink, body, _server.TimeProvider, ct).ConfigureAwait(false);
        }

        if (trigger is not null)
        {
            await trigger.CompleteAsync(ct).ConfigureAwait(false);
        }

        if (chunked is not null)
        {
            await chunked.CompleteAsync(response.Trailers, ct).ConfigureAwait(false);
        }

        await transport.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the response with its <see cref="MalformedResponse"/> fault in one write, then shuts the
    /// socket down both ways: the framing is broken, so nothing after it on this connection could be
    /// read right (the input flag also ends the session's loop once the exchange is over).
    /// </summary>
    private async Task WriteMalformedAsync(MockResponse response, MalformedResponse fault, ReadOnlyMemory<byte> body)
    {
        using var bytes = new PooledBufferWriter(256 + body.Length);
        fault.WriteHttp1(bytes, response, body.Span);
        await WriteRawAsync(bytes.WrittenMemory).ConfigureAwait(false);
        _server.Log(_connection.Index, $"{fault}: {bytes.WrittenCount} bytes of a malformed response, then close");
        _connection.ShutdownSocket(input: true, output: true);
    }

    // RFC 9110 sections 6.4.1 and 9.3.6: 1xx, 204, 304 and a 2xx to CONNECT carry no content
    // and no framing headers.
    private static bool IsBodiless(string method, int code) =>
        code is < 200 or 204 or 304 || (method == "CONNECT" && code is >= 200 and < 300);

    /// <summary>
    /// A streamed body's framing: its declared length when it has one (and the response says
    /// <c>Content-Length</c> without choosing chunked), otherwise chunked (RFC 9112 section 7.1), one
    /// chunk per read unless <see cref="MockResponse.ChunkSize"/> caps it; trailers need chunked too.
    /// </summary>
    private static int? StreamedChunkSizeFor(MockResponse response)
    {
        var testChoseChunked = ScriptsChunked(response);
        var hasLength = response.Headers.Contains("Content-Length") || response.Body.Length >= 0;
        return hasLength && !testChoseChunked && response.ChunkSize is null ? null : response.ChunkSize ?? int.MaxValue;
    }

    /// <summary>True when the scripted headers choose the chunked coding themselves.</summary>
    private static bool ScriptsChunked(MockResponse response) =>
        response.Headers.GetValues("Transfer-Encoding").Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase));

    /// <summary>The chunk size to frame with, or null for a fixed-length body.</summary>
    private static int? ChunkSizeFor(MockResponse response, long bodyLength)
    {
        if (response.Headers.Count == 0 && response.ChunkSize is null && response.Trailers.Count == 0)
        {
            return null;
        }

        var testChoseChunked = ScriptsChunked(response);
        if (response.Headers.Contains("Content-Length") && !testChoseChunked)
        {
            return null;
        }

        if (response.ChunkSize is { } size)
        {
            return size;
        }

        // Trailers exist only in the chunked coding (RFC 9112 section 7.1.2).
        return testChoseChunked || response.Trailers.Count > 0 ? (int)Math.Clamp(bodyLength, 1, int.MaxValue) : null;
    }

    /// <summary>Answers malformed input with its status and closes (the socket may already be gone).</summary>
    private Task RejectAsync(Http1ParseException e) => WriteClosingTextAsync(e.StatusCode, e.Message, extraField: null);

    /// <summary>
    /// Writes a <paramref name="statusCode"/> response whose body is <paramref name="text"/> (plain UTF-8,
    /// one line) with <c>Connection: close</c>, and, when given, one more field before the framing ones:
    /// the answer to a request the session will not serve, just before it closes the connection. The
    /// client may be gone already; that failure is recorded elsewhere, so a write error is ignored here.
    /// </summary>
    private async Task WriteClosingTextAsync(int statusCode, string text, KeyValuePair<string, string>? extraField)
    {
        try
        {
            var message = System.Text.Encoding.UTF8.GetBytes(text + "\n");
            using var buffer = new PooledBufferWriter(256 + message.Length);
            Http1Writer.WriteStatusLine(buffer, Protocol.Http11, statusCode, ReasonPhrases.For(statusCode));
            if (extraField is { } field)
            {
                Http1Writer.WriteField(buffer, field.Key, field.Value);
            }

            Http1Writer.WriteField(buffer, "Content-Type", "text/plain; charset=utf-8");
            Http1Writer.WriteField(buffer, "Content-Length", message.Length.ToString(CultureInfo.InvariantCulture));
            Http1Writer.WriteField(buffer, "Connection", "close");
            buffer.Write("\r\n"u8);
            buffer.Write(message);
            await WriteRawAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The client is gone; the failure is already recorded.
        }
    }

    private async Task WriteRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _connection.Transport.WriteAsync(bytes, ShutdownToken).ConfigureAwait(false);
        await _connection.Transport.FlushAsync(ShutdownToken).ConfigureAwait(false);
    }
}
