using System.Buffers;
using System.Globalization;
using System.Text;
using MockKit.Http2;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http2;

/// <summary>
/// Writing a scripted response on a stream (the pipeline's WriteResponseAsync): 1xx HEADERS, delays,
/// HEADERS, DATA under both flow-control windows (through the throttle and OnResponseBody
/// decorators when set), and trailers.
/// </summary>
internal sealed partial class Http2ServerSession
{
    private async Task WriteResponseAsync(Http2ServerStream stream, string method, MockResponse response, PolicyTriggers triggers, CancellationToken ct)
    {
        foreach (var informational in response.InformationalResponses)
        {
            QueueHeaders(stream, ResponseFields(informational, addLength: false), endStream: false);
        }

        if (response.HeadersDelay > TimeSpan.Zero)
        {
            await FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.HeadersDelay, _server.TimeProvider, ct).ConfigureAwait(false);
        }

        var bodiless = method == "HEAD" || response.Code is 204 or 304;
        var body = bodiless ? ReadOnlyMemory<byte>.Empty : response.Body.Content;
        if (response.Malformed is { } fault)
        {
            await WriteMalformedAsync(stream, response, fault, body, ct).ConfigureAwait(false);
            return;
        }

        if (response.TrailersOnly)
        {
            // gRPC's Trailers-Only response (PROTOCOL-HTTP2, "Responses"): the head and the trailer
            // fields in one HEADERS frame with END_STREAM, no DATA and no content-length.
            var only = ResponseFields(response, addLength: false);
            QueueResponse(stream, Fields(response.Trailers, only), ReadOnlyMemory<byte>.Empty, endStream: true);
            return;
        }

        var streamed = bodiless ? null : response.Body.Source;
        var events = bodiless ? null : response.Body.Events;
        var hasTrailers = response.Trailers.Count > 0;
        var headersOnly = body.IsEmpty && streamed is null && events is null && !hasTrailers && triggers.OnResponseBody is null;
        var fields = ResponseFields(response, addLength: true);

        // The end of a plain response is not awaited: the writer flushes whenever its queue runs
        // empty (Http2FrameQueue), so waiting would only cost a hop per stream; whatever must follow
        // the bytes on the wire (OnResponseEnd, delays) awaits its own flush.
        if (headersOnly)
        {
            QueueResponse(stream, fields, ReadOnlyMemory<byte>.Empty, endStream: true);
            return;
        }

        var paced = response.Body.SegmentEnds is not null;
        if (!body.IsEmpty && body.Length <= _core.PeerMaxFrameSize && response.BodyDelay <= TimeSpan.Zero
            && streamed is null && response.Throttle is null && triggers.OnResponseBody is null && !paced)
        {
            // A body that fits one DATA frame: when both windows grant it at once (section 5.2),
            // HEADERS and DATA go to the writer as one queued item. HEADERS never waits for credit:
            // without it they are queued alone and the DATA follows as credit arrives.
            var credit = Http2SendCredit.AcquireAsync(stream.SendWindow, _core.SendWindow, body.Length, ct);
            int granted;
            if (credit.IsCompletedSuccessfully)
            {
                granted = credit.Result;
                QueueResponse(stream, fields, body[..granted], endStream: !hasTrailers && granted == body.Length);
            }
            else
            {
                QueueResponse(stream, fields, ReadOnlyMemory<byte>.Empty, endStream: false);
                granted = await credit.ConfigureAwait(false);
                _core.QueueData(stream, body[..granted], endStream: !hasTrailers && granted == body.Length);
            }

            if (granted < body.Length)
            {
                await _core.WriteDataAsync(stream, body[granted..], endStream: !hasTrailers, ct).ConfigureAwait(false);
            }

            if (!hasTrailers)
            {
                return;
            }

            // Section 8.1: trailers are a HEADERS frame with END_STREAM after the DATA.
            QueueHeaders(stream, Fields(response.Trailers, []), endStream: true);
            await FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        QueueHeaders(stream, fields, endStream: false);
        if (response.BodyDelay > TimeSpan.Zero)
        {
            await FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.BodyDelay, _server.TimeProvider, ct).ConfigureAwait(false);
        }

        if (streamed is null && events is null && response.Throttle is null && triggers.OnResponseBody is null && !paced)
        {
            await _core.WriteDataAsync(stream, body, endStream: !hasTrailers, ct).ConfigureAwait(false);
            if (!hasTrailers)
            {
                return; // Flushed by the writer once its queue runs empty (see the headers-only case).
            }
        }
        else
        {
            // Decorators, outermost first: trigger (counts body bytes) → throttle → DATA frames.
            Stream sink = DataSink(stream, tunnel: false);
            if (response.Throttle is { } throttle)
            {
                sink = new ThrottledStream(sink, throttle, _server.TimeProvider);
            }

            ResponseBodyTriggerStream? trigger = null;
            if (triggers.OnResponseBody is { } bodyEffect)
            {
                var after = triggers.OnResponseBodyAfterBytes >= 0 ? triggers.OnResponseBodyAfterBytes : response.Body.HalfLength;
                sink = trigger = new ResponseBodyTriggerStream(sink, after, bodyEffect, stream, ct);
            }

            if (streamed is not null)
            {
                // Relayed as it arrives, as DATA frames within the windows; each read's frames are
                // queued before the next read (fresh buffers: queued frames reference them).
                await streamed.CopyToAsync(sink, freshBuffers: true, ct).ConfigureAwait(false);

                // The source's end may have brought trailers (a forwarded upstream's arrive after its body).
                hasTrailers = response.Trailers.Count > 0;
            }
            else if (events is not null)
            {
                var (count, cut) = response.EventPlan(method);
                await events.WriteAsync(sink, count, _server.TimeProvider, ct).ConfigureAwait(false);
                if (cut)
                {
                    // DisconnectAfterEvents: no END_STREAM; the pipeline resets the stream next
                    // (ServerExchange.CutEventStreamAsync), after these DATA frames.
                    await FlushAsync(ct).ConfigureAwait(false);
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

            if (!hasTrailers)
            {
                await _core.WriteDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, ct).ConfigureAwait(false);
            }
        }

        if (hasTrailers)
        {
            // Section 8.1: trailers are a HEADERS frame with END_STREAM after the DATA.
            QueueHeaders(stream, Fields(response.Trailers, []), endStream: true);
        }

        await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the stream's frames with its <see cref="MalformedResponse"/> fault as one writer item,
    /// once both flow-control windows (section 5.2) grant the DATA it sends; our side of the stream
    /// counts as ended after it, whatever the frames say.
    /// </summary>
    private async Task WriteMalformedAsync(Http2ServerStream stream, MockResponse response, MalformedResponse fault, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var fields = ResponseFields(response, addLength: true);
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

    /// <summary>Writer loop: the frames staged by <see cref="QueueResponse"/>.</summary>
    internal void WriteStagedResponse(IBufferWriter<byte> output, Http2ServerStream stream, List<HpackHeaderField> fields, ReadOnlyMemory<byte> body, bool endStream) =>
        _core.WriteHeadersAndData(output, stream, fields, body, endStream);

    /// <summary>:status then the scripted fields, lower-cased, connection-specific ones dropped (section 8.2.2).</summary>
    private static List<HpackHeaderField> ResponseFields(MockResponse response, bool addLength)
    {
        // Sized for :status, the scripted fields and content-length: no regrowth per response.
        var fields = new List<HpackHeaderField>(response.Headers.Count + 2) { new(":status", response.Code.ToString(CultureInfo.InvariantCulture)) };
        Fields(response.Headers, fields);
        if (addLength && response.Code is >= 200 and not 204 and not 304 && response.Trailers.Count == 0 && !response.Headers.Contains("Content-Length")
            && response.Body.Length >= 0)
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
