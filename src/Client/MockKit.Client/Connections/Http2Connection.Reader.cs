using System.Buffers;
using System.IO.Pipelines;
using MockKit.Http2;
using MockKit.Http2.Connection;
using MockKit.Http2.Engine;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

// The client role of the shared connection (Http2ConnectionCore runs the reader loop and the frame
// switch): responses, DATA into the streams, the flood budget; frames to send are queued. One catch
// ladder: stream errors reset the stream and the loop goes on; connection errors (and HPACK
// failures, as COMPRESSION_ERROR) send GOAWAY and end the connection.
internal sealed partial class Http2Connection : IHttp2ConnectionListener
{
    /// <summary>The most cheap frames in a row the server may send before it must do something useful (see <see cref="Http2FloodGuard"/>).</summary>
    internal const int FloodBudget = 1000;

    /// <summary>Budget earned back by each stream the client opens.</summary>
    private const int CreditPerStream = 100;

    // The client's flood guard: one budget for every cheap frame kind, no window of time, earned back
    // by work only (streams opened, DATA sent or received), so a long-lived connection on a frozen
    // manual clock is never killed for being old, and a flood is caught whatever the clock says.
    private readonly Http2FloodGuard _budget;                     // Counted by the reader loop, credited by both loops.
    private Http2ClientStream? _receiving;                         // Reader loop only: the stream of the frame being processed.

    private async Task RunReaderAsync()
    {
        await Task.Yield();
        var input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Exception failure;
        try
        {
            // Server frames are limited to our SETTINGS_MAX_FRAME_SIZE, which we leave at the default.
            var (_, leftover) = await _core.ReadFramesAsync(input, Http2Constants.DefaultMaxFrameSize, CancellationToken.None).ConfigureAwait(false);
            // A server that refuses the connection outright (Kestrel: INADEQUATE_SECURITY before its
            // SETTINGS) says why only in its GOAWAY, so the end of the connection quotes it.
            string? goAway;
            lock (_lock)
            {
                goAway = _goAwayDescription;
            }

            var after = goAway is null ? "" : $" after {goAway}";
            // HttpRequestError.ResponseEnded, as the runtime reports the end of the stream (see StreamFailure).
            failure = new HttpIOException(HttpRequestError.ResponseEnded, leftover == 0
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
            _core.Dispose();
        }

        Shutdown(failure, sendGoAway: false);
    }

    bool IHttp2ConnectionListener.StopReading => false; // The client stops by closing the transport (Shutdown).

    void IHttp2ConnectionListener.OnReading()
    {
    }

    void IHttp2ConnectionListener.OnFrameReceived(in Http2Frame frame)
    {
        Interlocked.Exchange(ref _lastReceivedTimestamp, _time.GetTimestamp());
        _receiving = null;
        if (!frame.Header.IsKnownType
            || frame.Type is Http2FrameType.Ping or Http2FrameType.Settings or Http2FrameType.RstStream or Http2FrameType.WindowUpdate
                or Http2FrameType.Priority or Http2FrameType.PushPromise)
        {
            // Frames that cost us work without carrying a response (flood guard); unknown types are
            // ignored (section 5.5), but not for free.
            _budget.Count();
        }
    }

    void IHttp2ConnectionListener.OnData(in Http2Frame frame) => OnData(frame);

    private void OnData(in Http2Frame frame)
    {
        var length = frame.Header.Length;
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
            QueueWindowUpdate(0, _core.ReceiveWindow.OnDataConsumed(length));
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
            QueueWindowUpdate(0, _core.ReceiveWindow.OnDataConsumed(padding));
        }

        stream.ContentReceived += data.Length;
        if (!ContentLengthHolds(stream, endStream))
        {
            // The stream is reset; nobody reads these bytes, so the connection gets its credit back (section 6.9).
            QueueWindowUpdate(0, _core.ReceiveWindow.OnDataConsumed((int)data.Length));
            throw ContentLengthMismatch(stream);
        }

        if (data.Length > 0 && !stream.Body.Append(data.ToArray()))
        {
            // Abandoned between Receive and here (a dispose on another thread): nobody will read these
            // bytes, so they go back to the connection window now (section 6.9).
            QueueWindowUpdate(0, _core.ReceiveWindow.OnDataConsumed((int)data.Length));
        }

        if (endStream)
        {
            stream.Body.End();
        }
    }

    void IHttp2ConnectionListener.OnFieldBlock(in Http2FrameHeader header, int promisedStreamId, List<HpackHeaderField> decoded, HpackHeaderListTooLargeException? tooLarge)
    {
        if (tooLarge is not null)
        {
            // Section 10.5.1: "A client can discard responses that it cannot process." The decoder
            // finished the block (the context is intact), so only this stream is reset.
            throw new Http2StreamException(
                header.StreamId,
                Http2ErrorCode.Cancel,
                $"The response header list is larger than the client's limit of {MaxResponseHeaderListSize} bytes (SETTINGS_MAX_HEADER_LIST_SIZE): {tooLarge.Message}");
        }

        if (header.Type == Http2FrameType.PushPromise)
        {
            // We refuse push (SETTINGS_ENABLE_PUSH = 0); until that is acknowledged the server may not
            // have seen it (after the ACK the core made it a connection error, section 6.6): reset
            // just the promised stream (section 8.4: "reset the promised stream").
            Queue(w => Http2FrameWriter.WriteRstStream(w, promisedStreamId, Http2ErrorCode.RefusedStream));
            return;
        }

        List<HpackHeaderField> fields = [.. decoded]; // The core reuses its list; the response keeps these.
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
                if (_streams.IsIdle(streamId))
                {
                    // Section 5.1: frames other than PRIORITY on an idle stream are a PROTOCOL_ERROR (every
                    // even id is idle to us: we refuse push).
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
