using System.Buffers;
using System.Globalization;
using MockKit.Buffers;
using MockKit.Http1;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http1;

/// <summary>
/// Response framing (<see cref="IResponseFraming"/>; the order is <see cref="ResponseWriter"/>'s): status
/// lines, fields, Content-Length or the chunked coding (RFC 9112 sections 6 and 7.1), and the head and a
/// small body coalesced into one write.
/// </summary>
internal sealed partial class Http1ServerSession : IResponseFraming
{
    // Bodies up to this size go out in the same write as the head when nothing paces them.
    private const int CoalesceLimit = 16 * 1024;

    // The response head (and a coalesced body) of the exchange being served; returned to the pool when the session ends.
    private PooledBufferWriter? _responseHead;

    // The framing the head chose for the response being written (one at a time): the chunk size, or null for Content-Length.
    private int? _chunkSize;

    TimeProvider IResponseFraming.Time => _server.TimeProvider;

    ISocketEffectTarget IResponseFraming.EffectTarget => _connection;

    // Each write reaches the socket (or its buffer) before it returns.
    bool IResponseFraming.BodySinkKeepsWrites => false;

    async ValueTask IResponseFraming.WriteInformationalAsync(MockResponse informational, CancellationToken cancellationToken)
    {
        using var info = new PooledBufferWriter();
        Http1Writer.WriteStatusLine(info, Protocol.Http11, informational.Code, informational.EffectiveReason);
        Http1Writer.WriteFields(info, informational.Headers);
        await _connection.Transport.WriteAsync(info.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    ValueTask IResponseFraming.FlushAsync(CancellationToken cancellationToken) => new(_connection.Transport.FlushAsync(cancellationToken));

    // The fault writes its own (broken) framing fields, whatever the content.
    ValueTask IResponseFraming.WriteMalformedAsync(MockResponse response, ResponseContent content, MalformedResponse fault, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        new(WriteMalformedAsync(response, fault, body));

    async ValueTask IResponseFraming.WriteTrailersOnlyAsync(MockResponse response, ResponseContent content, CancellationToken cancellationToken)
    {
        // The head is the whole response: its fields and the trailer fields, no body.
        using var only = new PooledBufferWriter(256);
        Http1Writer.WriteStatusLine(only, Protocol.Http11, response.Code, response.EffectiveReason);
        foreach (var (name, value) in response.Headers.Concat(response.Trailers))
        {
            Http1Writer.WriteField(only, name, value);
        }

        if (content != ResponseContent.None && !response.Headers.Contains("Content-Length"))
        {
            Http1Writer.WriteField(only, "Content-Length", "0");
        }

        only.Write("\r\n"u8);
        await WriteRawAsync(only.WrittenMemory).ConfigureAwait(false);
    }

    // A fixed-length body small enough to share the head's write (one syscall, one TLS record).
    bool IResponseFraming.CanWriteWhole(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content) =>
        body.Length <= CoalesceLimit && response.Body.Source is null && response.Body.Events is null && ChunkSizeFor(response) is null;

    ValueTask IResponseFraming.WriteWholeAsync(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content, CancellationToken cancellationToken)
    {
        var head = WriteHead(response, content, chunkSize: null, body.Length);
        head.Write(body.Span);
        return new(WriteRawAsync(head.WrittenMemory));
    }

    ValueTask IResponseFraming.WriteHeadAsync(MockResponse response, ResponseContent content, CancellationToken cancellationToken)
    {
        _chunkSize = ChunkSizeFor(response);
        var head = WriteHead(response, content, _chunkSize, 0);
        return _connection.Transport.WriteAsync(head.WrittenMemory, cancellationToken);
    }

    async ValueTask IResponseFraming.WriteBodyAsync(MockResponse response, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var transport = _connection.Transport;
        if (_chunkSize is { } size)
        {
            var chunked = new ChunkedEncodingStream(transport, size);
            await chunked.WriteAsync(body, cancellationToken).ConfigureAwait(false);
            await chunked.CompleteAsync(response.Trailers, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await transport.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }

        await transport.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    Stream IResponseFraming.OpenBody(MockResponse response, Throttle? throttle)
    {
        // Chunk framing above the throttle: the pacing counts the bytes on the wire, chunk lines included.
        Stream sink = _connection.Transport;
        if (throttle is not null)
        {
            sink = new ThrottledStream(sink, throttle, _server.TimeProvider);
        }

        return _chunkSize is { } size ? new ChunkedEncodingStream(sink, size) : sink;
    }

    async ValueTask IResponseFraming.EndBodyAsync(Stream body, MockHeaders trailers, CancellationToken cancellationToken)
    {
        if (body is ChunkedEncodingStream chunked)
        {
            // The last chunk and the trailer section (RFC 9112 section 7.1.2).
            await chunked.CompleteAsync(trailers, cancellationToken).ConfigureAwait(false);
        }

        await _connection.Transport.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    ValueTask IResponseFraming.WriteDuplexHeadAsync(MockResponse response, CancellationToken cancellationToken)
    {
        _connection.State = "duplex: writing the response";

        // A scripted "Transfer-Encoding: chunked" is a promise of chunk framing, kept here (not a
        // licence to write the handler's bytes unframed); a scripted Content-Length or another coding
        // leaves the body as the handler writes it. Otherwise RFC 9112 section 7.1: the length is
        // unknown until the handler returns, so chunked, one chunk per write.
        // (WriteHead adds Transfer-Encoding only when the script set neither framing field.) Only a
        // response that may carry content comes here: DuplexResponseWriter writes the others as a head alone.
        var fixedLength = !ScriptsChunked(response) && (response.Headers.Contains("Content-Length") || response.Headers.Contains("Transfer-Encoding"));
        _chunkSize = fixedLength ? null : int.MaxValue;
        var head = WriteHead(response, ResponseContent.Body, _chunkSize, 0);
        return _connection.Transport.WriteAsync(head.WrittenMemory, cancellationToken);
    }

    // Straight to the socket: the handler's writes are neither paced nor coalesced.
    Stream IResponseFraming.OpenDuplexBody() =>
        _chunkSize is { } size ? new ChunkedEncodingStream(_connection.Transport, size) : _connection.Transport;

    // No last chunk: the pipeline ends the exchange without EndBodyFlowAsync's "responded", so the
    // connection closes and the client sees the body break off (RFC 9112 section 8).
    ValueTask IResponseFraming.CutResponseAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The status line and fields, with Content-Length or chunked unless the response chose its own
    /// framing or may carry none (RFC 9110 section 6.4.1), in the session's one head buffer.
    /// </summary>
    private PooledBufferWriter WriteHead(MockResponse response, ResponseContent content, int? chunkSize, int bodyLength)
    {
        // The session's own writer, cleared: one exchange at a time writes a response head, so one buffer serves them all.
        var head = _responseHead ??= new PooledBufferWriter(256 + bodyLength);
        head.Clear();
        Http1Writer.WriteStatusLine(head, Protocol.Http11, response.Code, response.EffectiveReason);
        foreach (var (name, value) in response.Headers.Fields)
        {
            Http1Writer.WriteField(head, name, value);
        }

        if (content != ResponseContent.None && !response.Headers.Contains("Content-Length") && !response.Headers.Contains("Transfer-Encoding"))
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
        return head;
    }

    /// <summary>The chunk size the body is framed with, or null for Content-Length.</summary>
    private static int? ChunkSizeFor(MockResponse response) =>
        response.Body.Source is null && response.Body.Events is null ? ChunkSizeFor(response, response.Body.Content.Length) : StreamedChunkSizeFor(response);

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
