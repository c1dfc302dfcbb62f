using System.Buffers;
using System.IO.Pipelines;
using MockKit.Http2;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

// The reader loop (README "Reader loop recipe"): frames in, stream and connection state updated,
// frames to send queued. One catch ladder: stream errors reset the stream and the loop goes on;
// connection errors (and HPACK failures, as COMPRESSION_ERROR) send GOAWAY and end the connection.
internal sealed partial class Http2Connection : IHttp2FrameSink
{
    private readonly Http2HeaderBlockAssembler _assembler = new(); // Reader loop only.
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: MaxResponseHeaderListSize); // Reader loop only.
    /// <summary>The most cheap frames in a row the server may send before it must do something useful (see <see cref="Http2FloodGuard"/>).</summary>
    internal const int FloodBudget = 1000;

    /// <summary>Budget earned back by each stream the client opens.</summary>
    private const int CreditPerStream = 100;

    // The client's flood guard: one budget for every cheap frame kind, no window of time, earned back
    // by work only (streams opened, DATA sent or received), so a long-lived connection on a frozen
    // manual clock is never killed for being old, and a flood is caught whatever the clock says.
    private readonly Http2FloodGuard _budget;                     // Counted by the reader loop, credited by both loops.
    private readonly Http2PeerSettings _peerSettings = new();      // Reader loop only.
    private Http2ClientStream? _receiving;                         // Reader loop only: the stream of the frame being processed.

    private async Task RunReaderAsync()
    {
        await Task.Yield();
        var input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Exception failure;
        try
        {
            // Server frames are limited to our SETTINGS_MAX_FRAME_SIZE, which we leave at the default.
            var (_, leftover) = await Http2ReadLoop.RunAsync(input, Http2Constants.DefaultMaxFrameSize, _assembler, this, CancellationToken.None).ConfigureAwait(false);
            // A server that refuses the connection outright (Kestrel: INADEQUATE_SECURITY before its
            // SETTINGS) says why only in its GOAWAY, so the end of the connection quotes it.
            string? goAway;
            lock (_lock)
            {
                goAway = _goAwayDescription;
            }

            var after = goAway is null ? "" : $" after {goAway}";
            failure = new IOException(leftover == 0
                ? $"The server closed the HTTP/2 connection ({Route}){after}."
                : $"The server closed the HTTP/2 connection ({Route}) inside a frame ({leftover} bytes left){after}.");
        }
        catch (Exception e)
        {
            // The one catch ladder (Http2ReadLoopEnd): connection and HPACK errors send GOAWAY with
            // their code; a transport that went away closes quietly; anything else is unexpected and
            // still ends the connection with GOAWAY(INTERNAL_ERROR), failing every caller with it.
            var end = Http2ReadLoopEnd.From(e);
            failure = end.IsUnexpected
                ? new IOException($"The HTTP/2 connection to {Route} failed: unexpected error in the reader loop: {e.Message}", e)
                : e;
            if (end.GoAway is { } code)
            {
                Shutdown(failure, sendGoAway: true, code);
                return;
            }
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            _assembler.Dispose();
            _decoder.Dispose();
        }

        Shutdown(failure, sendGoAway: false);
    }

    bool IHttp2FrameSink.StopReading => false; // The client stops by closing the transport (Shutdown).

    void IHttp2FrameSink.OnReading()
    {
    }

    void IHttp2FrameSink.OnUnknownFrame(in Http2Frame frame)
    {
        Interlocked.Exchange(ref _lastReceivedTimestamp, _time.GetTimestamp());
        _receiving = null;
        _budget.Count(); // Section 5.5: unknown frame types are ignored, but not for free.
    }

    void IHttp2FrameSink.OnFrame(in Http2Frame frame)
    {
        Interlocked.Exchange(ref _lastReceivedTimestamp, _time.GetTimestamp());
        _receiving = null;
        OnFrame(frame);
    }

    void IHttp2FrameSink.OnStreamError(Http2StreamException exception) => OnStreamError(exception);

    private void OnFrame(in Http2Frame frame)
    {
        if (frame.Type is Http2FrameType.Ping or Http2FrameType.Settings or Http2FrameType.RstStream or Http2FrameType.WindowUpdate
            or Http2FrameType.Priority or Http2FrameType.PushPromise)
        {
            _budget.Count(); // Frames that cost us work without carrying a response (flood guard).
        }

        switch (frame.Type)
        {
            case Http2FrameType.Data:
                OnData(frame);
                break;
            case Http2FrameType.Headers:
                if (_assembler.StartHeaders(frame, Http2FrameReader.ReadHeaders(frame)))
                {
                    OnFieldBlock();
                }

                break;
            case Http2FrameType.Continuation:
                if (_assembler.AppendContinuation(frame))
                {
                    OnFieldBlock();
                }

                break;
            case Http2FrameType.PushPromise:
                if (_assembler.StartPushPromise(frame, Http2FrameReader.ReadPushPromise(frame)))
                {
                    OnFieldBlock();
                }

                break;
            case Http2FrameType.RstStream:
                OnReset(frame.StreamId, Http2FrameReader.ReadRstStream(frame));
                break;
            case Http2FrameType.Settings:
                OnSettings(frame);
                break;
            case Http2FrameType.Ping:
                OnPing(frame);
                break;
            case Http2FrameType.GoAway:
                OnGoAway(Http2FrameReader.ReadGoAway(frame));
                break;
            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(frame.StreamId, Http2FrameReader.ReadWindowUpdate(frame));
                break;
            default:
                break; // PRIORITY: deprecated (section 5.3.2), ignored.
        }
    }

    private void OnData(in Http2Frame frame)
    {
        var length = frame.Header.Length;
        _receiveWindow.OnDataReceived(length);
        var data = Http2FrameReader.ReadData(frame);
        var endStream = frame.Header.HasFlag(Http2FrameFlags.EndStream);
        if (data.Length == 0 && !endStream)
        {
            _budget.Count(); // Empty DATA carries nothing (CVE-2019-9518).
        }
        else if (data.Length > 0)
        {
            _budget.Credit(1); // Paid for with flow-control window.
        }

        var stream = Receive(frame.StreamId, Http2FrameType.Data, endStream);
        if (stream is null)
        {
            // A stream we reset or finished: nobody will read it, credit the connection at once (section 6.9).
            QueueWindowUpdate(0, _receiveWindow.OnDataConsumed(length));
            return;
        }

        stream.ReceiveWindow!.OnDataReceived(length);
        stream.ResponseStarted = true;
        if (!stream.Head.Task.IsCompleted)
        {
            throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, "DATA before the response HEADERS (RFC 9113 section 8.1).");
        }

        var padding = length - (int)data.Length;
        if (padding > 0)
        {
            // Padding never reaches the application: it counts as consumed now.
            QueueWindowUpdate(stream.Id, stream.ReceiveWindow.OnDataConsumed(padding));
            QueueWindowUpdate(0, _receiveWindow.OnDataConsumed(padding));
        }

        stream.ContentReceived += data.Length;
        if (!ContentLengthHolds(stream, endStream))
        {
            // The stream is reset; nobody reads these bytes, so the connection gets its credit back (section 6.9).
            QueueWindowUpdate(0, _receiveWindow.OnDataConsumed((int)data.Length));
            throw ContentLengthMismatch(stream);
        }

        if (data.Length > 0 && !stream.Body.Append(data.ToArray()))
        {
            // Abandoned between Receive and here (a dispose on another thread): nobody will read these
            // bytes, so they go back to the connection window now (section 6.9).
            QueueWindowUpdate(0, _receiveWindow.OnDataConsumed((int)data.Length));
        }

        if (endStream)
        {
            stream.Body.End();
        }
    }

    private void OnFieldBlock()
    {
        var header = _assembler.FirstHeader;
        var promised = _assembler.PromisedStreamId;
        List<HpackHeaderField> fields;
        try
        {
            fields = _decoder.Decode(_assembler.Block); // Always decoded: keeps the HPACK context in sync (section 4.3).
        }
        catch (HpackHeaderListTooLargeException e)
        {
            // Section 10.5.1: "A client can discard responses that it cannot process." The decoder
            // finished the block (the context is intact), so only this stream is reset.
            throw new Http2StreamException(
                header.StreamId,
                Http2ErrorCode.Cancel,
                $"The response header list is larger than the client's limit of {MaxResponseHeaderListSize} bytes (SETTINGS_MAX_HEADER_LIST_SIZE): {e.Message}");
        }
        finally
        {
            _assembler.Reset();
        }

        if (header.Type == Http2FrameType.PushPromise)
        {
            // Section 6.6: "An endpoint that has set this setting [ENABLE_PUSH = 0] and has received
            // acknowledgment MUST treat the receipt of a PUSH_PROMISE frame as a connection error of
            // type PROTOCOL_ERROR." Before the ACK the server may not have seen it yet: refuse just
            // the promised stream (section 8.4: "reset the promised stream").
            if (_settingsAcknowledged)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PUSH_PROMISE received although SETTINGS_ENABLE_PUSH is 0.");
            }

            Queue(w => Http2FrameWriter.WriteRstStream(w, promised, Http2ErrorCode.RefusedStream));
            return;
        }

        var endStream = header.HasFlag(Http2FrameFlags.EndStream);
        var stream = Receive(header.StreamId, Http2FrameType.Headers, endStream);
        if (stream is null)
        {
            return;
        }

        stream.ResponseStarted = true;
        if (!stream.Head.Task.IsCompleted)
        {
            Http2FieldValidation.CheckResponse(stream.Id, fields); // Sections 8.2 and 8.3, as the server checks requests.
            var status = fields.Find(f => f.Name == ":status").Value;
            if (status is null || status.Length != 3 || !int.TryParse(status, out var code))
            {
                throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, $"Response HEADERS without a valid :status ('{status}').");
            }

            if (code < 200)
            {
                if (endStream)
                {
                    throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, "A 1xx response ended the stream (RFC 9113 section 8.1).");
                }

                if (++stream.InformationalResponses > InstrumentedHandler.MaxInformationalResponses)
                {
                    throw new Http2StreamException(
                        stream.Id,
                        Http2ErrorCode.EnhanceYourCalm,
                        $"The server sent more than {InstrumentedHandler.MaxInformationalResponses} informational (1xx) responses to one request.");
                }

                return; // Interim responses (RFC 9110 section 15.2) are skipped.
            }

            if (stream.ContentLengthApplies && code is not (204 or 304))
            {
                stream.DeclaredContentLength = DeclaredContentLength(fields);
                if (endStream && !ContentLengthHolds(stream, endStream: true))
                {
                    throw ContentLengthMismatch(stream); // END_STREAM on the HEADERS: no content at all.
                }
            }

            stream.Head.TrySetResult(fields);
        }
        else
        {
            if (!endStream)
            {
                throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, "Trailers without END_STREAM (RFC 9113 section 8.1).");
            }

            if (!ContentLengthHolds(stream, endStream: true))
            {
                throw ContentLengthMismatch(stream);
            }

            Http2FieldValidation.CheckTrailers(stream.Id, fields, "response");

            stream.Trailers = fields;
        }

        if (endStream)
        {
            stream.Body.End();
        }
    }

    // Section 8.1.1: "A request or response is also malformed if the value of a content-length header
    // field does not equal the sum of the DATA frame payload lengths that form the content."
    private static bool ContentLengthHolds(Http2ClientStream stream, bool endStream) =>
        stream.DeclaredContentLength < 0
        || (endStream ? stream.ContentReceived == stream.DeclaredContentLength : stream.ContentReceived <= stream.DeclaredContentLength);

    private static Http2StreamException ContentLengthMismatch(Http2ClientStream stream) =>
        new(stream.Id, Http2ErrorCode.ProtocolError, stream.ContentReceived > stream.DeclaredContentLength
            ? $"Malformed response (RFC 9113 section 8.1.1): DATA past its content-length of {stream.DeclaredContentLength} bytes ({stream.ContentReceived} received)."
            : $"Malformed response (RFC 9113 section 8.1.1): the stream ended after {stream.ContentReceived} of its content-length of {stream.DeclaredContentLength} bytes.");

    /// <summary>The one content-length of a final response, or -1 when there is none (or more than one: then nothing is enforced).</summary>
    private static long DeclaredContentLength(List<HpackHeaderField> fields)
    {
        long declared = -1;
        foreach (var field in fields)
        {
            if (field.Name == "content-length")
            {
                if (declared >= 0 || !long.TryParse(field.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out declared))
                {
                    return -1;
                }
            }
        }

        return declared;
    }

    /// <summary>Applies a received frame to its stream's state; null when the frame is to be ignored.</summary>
    private Http2ClientStream? Receive(int streamId, Http2FrameType type, bool endStream)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(streamId, out var stream))
            {
                if (streamId > _lastStreamId || streamId % 2 == 0)
                {
                    // Section 5.1: frames other than PRIORITY on an idle stream are a PROTOCOL_ERROR.
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"{type} on idle stream {streamId}.");
                }

                return null; // Closed or reset by us: late frames are ignored (section 5.1).
            }

            if (!stream.State!.OnReceive(type, endStream))
            {
                return null;
            }

            RemoveIfClosedLocked(stream);
            _receiving = stream;
            return stream;
        }
    }

    private void RemoveIfClosedLocked(Http2ClientStream stream)
    {
        if (stream.State!.State == Http2StreamState.Closed)
        {
            _streams.Remove(stream.Id);
        }
    }
}
