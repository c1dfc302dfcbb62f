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
        if (!frame.Header.IsKnownType
            || frame.Type is Http2FrameType.Ping or Http2FrameType.Settings or Http2FrameType.RstStream or Http2FrameType.WindowUpdate
                or Http2FrameType.Priority or Http2FrameType.PushPromise)
        {
            // Frames that cost us work without carrying a response (flood guard); unknown types are
            // ignored (section 5.5), but not for free.
            _budget.Count();
        }
    }

    void IHttp2ConnectionListener.OnData(Http2Stream received, in ReadOnlySequence<byte> data, bool endStream)
    {
        // The core moved the state, charged both windows, credited the padding and checked that the
        // head came first and the content-length; what is left is the response's.
        var stream = (Http2ClientStream)received;
        stream.ResponseStarted = true;
        if (data.Length > 0 && !stream.Body.Append(data.ToArray()))
        {
            // Abandoned meanwhile (a dispose on another thread): nobody will read these bytes, so they
            // go back to the connection window now (section 6.9).
            _core.ReturnConnectionCredit((int)data.Length);
        }

        if (endStream)
        {
            stream.Body.End();
        }
    }

    void IHttp2ConnectionListener.OnFieldBlock(in Http2FrameHeader header, Http2Stream? received, int promisedStreamId, List<HpackHeaderField> decoded, HpackHeaderListTooLargeException? tooLarge)
    {
        if (header.Type == Http2FrameType.PushPromise)
        {
            // We refuse push (SETTINGS_ENABLE_PUSH = 0); until that is acknowledged the server may not
            // have seen it (after the ACK the core made it a connection error, section 6.6): reset
            // just the promised stream (section 8.4: "reset the promised stream").
            _core.QueueResetFrame(promisedStreamId, Http2ErrorCode.RefusedStream, provoked: false);
            return;
        }

        // The core found the stream (idle: a connection error; closed: ignored), moved its state, and
        // checked a block after the final head as trailers (END_STREAM, content-length).
        var stream = (Http2ClientStream)received!;
        List<HpackHeaderField> fields = [.. decoded]; // The core reuses its list; the response keeps these.
        var endStream = header.HasFlag(Http2FrameFlags.EndStream);
        stream.ResponseStarted = true;
        if (!stream.HeadReceived)
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

            stream.HeadReceived = true;
            if (stream.ContentLengthApplies && code is not (204 or 304))
            {
                stream.DeclaredContentLength = DeclaredContentLength(fields);
                if (endStream && !stream.ContentLengthHolds(endStream: true))
                {
                    throw stream.ContentLengthMismatch(stream.Id, "response"); // END_STREAM on the HEADERS: no content at all.
                }
            }

            stream.Head.TrySetResult(fields);
        }
        else
        {
            Http2FieldValidation.CheckTrailers(stream.Id, fields, "response");
            stream.Trailers = fields;
        }

        if (endStream)
        {
            stream.Body.End();
        }
    }

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
}
