using System.Buffers;
using System.Globalization;
using System.Text;
using MockKit.Http2;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http2;

/// <summary>
/// A response's framing on a stream (<see cref="IResponseFraming"/>, through <see cref="Http2ServerStream"/>;
/// the order is <see cref="ResponseWriter"/>'s): 1xx HEADERS, HEADERS, DATA under both flow-control
/// windows, trailers, and HEADERS with one DATA frame queued as one writer item.
/// </summary>
internal sealed partial class Http2ServerSession
{
    /// <summary>The server's clock, which a response's delays and pacing wait on.</summary>
    internal TimeProvider TimeProvider => _server.TimeProvider;

    internal void WriteInformational(Http2ServerStream stream, MockResponse informational) =>
        QueueHeaders(stream, ResponseFields(informational, addLength: false), endStream: false);

    internal void WriteTrailersOnly(Http2ServerStream stream, MockResponse response)
    {
        // gRPC's Trailers-Only response (PROTOCOL-HTTP2, "Responses"): the head and the trailer
        // fields in one HEADERS frame with END_STREAM, no DATA and no content-length.
        var only = ResponseFields(response, addLength: false);
        QueueResponse(stream, Fields(response.Trailers, only), ReadOnlyMemory<byte>.Empty, endStream: true);
    }

    // HEADERS alone (no content, or an empty body without trailers), or HEADERS and a body that fits one DATA frame.
    internal bool CanWriteWhole(MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content) =>
        content != ResponseContent.Body || (body.IsEmpty ? response.Trailers.Count == 0 : body.Length <= _core.PeerMaxFrameSize);

    internal ValueTask WriteWholeAsync(Http2ServerStream stream, MockResponse response, ReadOnlyMemory<byte> body, ResponseContent content, CancellationToken ct)
    {
        // The head's fields are made by the writer loop, into its own list (WriteStagedResponse).
        var addLength = content != ResponseContent.None;
        if (content != ResponseContent.Body || body.IsEmpty)
        {
            // The end of a plain response is not awaited: the writer flushes whenever its queue runs
            // empty (Http2FrameQueue), so waiting would only cost a hop per stream; whatever must follow
            // the bytes on the wire (OnResponseEnd, delays) awaits its own flush.
            QueueResponse(stream, response, addLength, ReadOnlyMemory<byte>.Empty, endStream: true);
            return ValueTask.CompletedTask;
        }

        return WriteOneDataFrameAsync(stream, response, addLength, body, ct);
    }

    /// <summary>
    /// A body that fits one DATA frame: when both windows grant it at once (section 5.2), HEADERS and
    /// DATA go to the writer as one queued item. HEADERS never waits for credit: without it they are
    /// queued alone and the DATA follows as credit arrives.
    /// </summary>
    private async ValueTask WriteOneDataFrameAsync(Http2ServerStream stream, MockResponse response, bool addLength, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var hasTrailers = response.Trailers.Count > 0;
        var credit = Http2SendCredit.AcquireAsync(stream.SendWindow, _core.SendWindow, body.Length, ct);
        int granted;
        if (credit.IsCompletedSuccessfully)
        {
            granted = credit.Result;
            QueueResponse(stream, response, addLength, body[..granted], endStream: !hasTrailers && granted == body.Length);
        }
        else
        {
            QueueResponse(stream, response, addLength, ReadOnlyMemory<byte>.Empty, endStream: false);
            granted = await credit.ConfigureAwait(false);
            _core.QueueData(stream, body[..granted], endStream: !hasTrailers && granted == body.Length);
        }

        if (granted < body.Length)
        {
            await _core.WriteDataAsync(stream, body[granted..], endStream: !hasTrailers, ct).ConfigureAwait(false);
        }

        if (hasTrailers)
        {
            QueueTrailers(stream, response.Trailers);
        }
    }

    // Without content, the HEADERS frame ends the stream (section 8.1).
    internal void WriteHead(Http2ServerStream stream, MockResponse response, ResponseContent content) =>
        QueueHeaders(stream, ResponseFields(response, addLength: content != ResponseContent.None), endStream: content != ResponseContent.Body);

    internal async ValueTask WriteBodyAsync(Http2ServerStream stream, MockResponse response, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        // END_STREAM on the last DATA frame unless trailers follow; flushed by the writer once its
        // queue runs empty (see WriteWholeAsync).
        var hasTrailers = response.Trailers.Count > 0;
        await _core.WriteDataAsync(stream, body, endStream: !hasTrailers, ct).ConfigureAwait(false);
        if (hasTrailers)
        {
            QueueTrailers(stream, response.Trailers);
        }
    }

    internal Stream OpenBody(Http2ServerStream stream, Throttle? throttle)
    {
        // The throttle paces DATA payload bytes; frame headers are the writer's.
        Stream sink = DataSink(stream, tunnel: false);
        return throttle is null ? sink : new ThrottledStream(sink, throttle, _server.TimeProvider);
    }

    internal async ValueTask EndBodyAsync(Http2ServerStream stream, MockHeaders trailers, CancellationToken ct)
    {
        // Read by the writer only now: a streamed source's end may have brought trailers (a forwarded
        // upstream's arrive after its body), a duplex handler's decided ones come with its end.
        if (trailers.Count > 0)
        {
            await WriteTrailersAsync(stream, trailers, ct).ConfigureAwait(false);
            return;
        }

        await _core.WriteDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, ct).ConfigureAwait(false);
        await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Section 8.1: trailers are a HEADERS frame with END_STREAM after the DATA.</summary>
    private Task WriteTrailersAsync(Http2ServerStream stream, MockHeaders trailers, CancellationToken ct)
    {
        QueueTrailers(stream, trailers);
        return FlushAsync(ct);
    }

    /// <summary>
    /// The trailers of a scripted body, not awaited: like the end of a plain response (see
    /// <see cref="WriteWholeAsync"/>), the writer flushes them when its queue runs empty, and whatever
    /// must follow them on the wire (OnResponseEnd, delays) awaits its own flush. A gRPC unary response
    /// then completes without a wait, so its exchange allocates no state machines for it.
    /// </summary>
    private void QueueTrailers(Http2ServerStream stream, MockHeaders trailers) =>
        QueueHeaders(stream, Fields(trailers, []), endStream: true);

    /// <summary>
    /// Writes the stream's frames with its <see cref="MalformedResponse"/> fault as one writer item,
    /// once both flow-control windows (section 5.2) grant the DATA it sends; our side of the stream
    /// counts as ended after it, whatever the frames say.
    /// </summary>
    internal async Task WriteMalformedAsync(Http2ServerStream stream, MockResponse response, ResponseContent content, MalformedResponse fault, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var fields = ResponseFields(response, addLength: content != ResponseContent.None);
        var credit = fault.Http2DataLength(body.Length);
        for (var taken = 0; taken < credit;)
        {
            taken += await Http2SendCredit.AcquireAsync(stream.SendWindow, _core.SendWindow, credit - taken, ct).ConfigureAwait(false);
        }

        stream.EndStreamQueued = true;
        Queue(w =>
        {
            if (!_core.TryBeginSend(stream, Http2FrameType.Headers, endStream: false) || !_core.TryBeginSend(stream, Http2FrameType.Data, endStream: true))
            {
                _core.SendWindow.Return(credit); // Reset meanwhile: nothing is sent, the connection keeps the credit.
                return;
            }

            fault.WriteHttp2(w, new Http2FaultFrames(stream.Id, fields, body, _core.PeerMaxFrameSize, _frames.HeaderBlocks));
        });
        Log($"stream {stream.Id}: {fault}: a malformed response{(fault.Http2EndsConnection ? ", then close" : string.Empty)}");
        if (fault.Http2EndsConnection)
        {
            // A FIN right after the bytes (not a close, which would reset the connection over the
            // client's unread frames and could discard ours): the client reads the cut frame, then
            // end of stream, and closes; the reader loop then ends the session. No frame follows.
            var finished = _frames.QueueClose(null, () =>
            {
                _connection.ShutdownSocket(input: false, output: true);
                return Task.CompletedTask;
            });
            await (finished ?? Task.CompletedTask).ConfigureAwait(false);
            return;
        }

        await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues the response HEADERS and, when <paramref name="body"/> is not empty, one DATA frame
    /// whose credit is already taken, as one writer item: the stream itself is the producer
    /// (<see cref="Http2ServerStream.WriteFrames"/>), so nothing is allocated per frame.
    /// </summary>
    private void QueueResponse(Http2ServerStream stream, List<HpackHeaderField> fields, ReadOnlyMemory<byte> body, bool endStream)
    {
        stream.EndStreamQueued |= endStream;
        stream.StageResponse(fields, body, endStream);
        _frames.Queue(stream);
    }

    /// <inheritdoc cref="QueueResponse(Http2ServerStream, List{HpackHeaderField}, ReadOnlyMemory{byte}, bool)"/>
    /// <remarks>The fields of <paramref name="response"/>'s head are made by the writer loop (<see cref="ResponseFields(MockResponse, bool, List{HpackHeaderField})"/>).</remarks>
    private void QueueResponse(Http2ServerStream stream, MockResponse response, bool addLength, ReadOnlyMemory<byte> body, bool endStream)
    {
        stream.EndStreamQueued |= endStream;
        stream.StageResponse(response, addLength, body, endStream);
        _frames.Queue(stream);
    }

    /// <summary>Writer loop: the frames staged by <see cref="QueueResponse(Http2ServerStream, List{HpackHeaderField}, ReadOnlyMemory{byte}, bool)"/>.</summary>
    internal void WriteStagedResponse(IBufferWriter<byte> output, Http2ServerStream stream, List<HpackHeaderField> fields, ReadOnlyMemory<byte> body, bool endStream) =>
        _core.WriteHeadersAndData(output, stream, fields, body, endStream);

    /// <summary>Writer loop: a response head staged as its <see cref="MockResponse"/>, its fields made into the writer's own list.</summary>
    internal void WriteStagedResponse(IBufferWriter<byte> output, Http2ServerStream stream, MockResponse response, bool addLength, ReadOnlyMemory<byte> body, bool endStream)
    {
        // One list for every response head of the connection: only the writer loop uses it, and the
        // encoder has copied what it needs (the dynamic table keeps the strings) before it is cleared.
        var fields = _writerFields;
        try
        {
            _core.WriteHeadersAndData(output, stream, ResponseFields(response, addLength, fields), body, endStream);
        }
        finally
        {
            fields.Clear();
            if (fields.Capacity > KeptWriterFields)
            {
                fields.Capacity = 16; // A head with many fields does not keep its list for the life of the connection.
            }
        }
    }

    /// <summary>
    /// :status then the scripted fields, lower-cased, connection-specific ones dropped (section 8.2.2);
    /// with <paramref name="addLength"/> (the response may carry content, <see cref="ResponseContent"/>),
    /// content-length when the body's length is known and no trailers follow it.
    /// </summary>
    private static List<HpackHeaderField> ResponseFields(MockResponse response, bool addLength) =>
        // Sized for :status, the scripted fields and content-length: no regrowth per response.
        ResponseFields(response, addLength, new List<HpackHeaderField>(response.Headers.Count + 2));

    /// <summary>The fields of <see cref="ResponseFields(MockResponse, bool)"/>, added to <paramref name="fields"/>.</summary>
    private static List<HpackHeaderField> ResponseFields(MockResponse response, bool addLength, List<HpackHeaderField> fields)
    {
        fields.Add(new(":status", response.Code.ToString(CultureInfo.InvariantCulture)));
        Fields(response.Headers, fields);
        if (addLength && response.Trailers.Count == 0 && !response.Headers.Contains("Content-Length") && response.Body.Length >= 0)
        {
            fields.Add(new("content-length", response.Body.Length.ToString(CultureInfo.InvariantCulture)));
        }

        return fields;
    }

    private static List<HpackHeaderField> Fields(MockHeaders headers, List<HpackHeaderField> fields)
    {
        foreach (var (name, value) in headers.Fields)
        {
            var lower = Http2FieldNames.Lower(name);
            // Section 8.2.2: connection-specific fields (and te other than "trailers") have no meaning
            // in HTTP/2 and make a message malformed, so they are dropped rather than sent.
            if (!Http2FieldValidation.IsConnectionSpecific(lower, value))
            {
                fields.Add(new(lower, Latin1(value)));
            }
        }

        return fields;
    }

    // HPACK strings are octets held one per char; scripted values are text, sent as UTF-8.
    private static string Latin1(string value) => Ascii.IsValid(value) ? value : Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(value));
}
