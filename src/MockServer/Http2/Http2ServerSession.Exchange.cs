using System.Globalization;
using System.Text;
using MockKit.Http2;
using MockKit.Http2.Hpack;
using MockKit.MockServer.Connections;
using MockKit.MockServer.Policies;

namespace MockKit.MockServer.Http2;

/// <summary>
/// The exchange task of one stream: triggers, recording, dispatch and the response. Triggers
/// fire at the HTTP/1 moments, scoped to the stream:
/// <list type="bullet">
/// <item>OnRequestStart — when the request HEADERS arrived (the request is recorded with its
/// headers and a failure; e.g. <see cref="SocketPolicy.ResetStreamAtStart"/> sends RST_STREAM);</item>
/// <item>OnRequestBody — after half the declared content-length (or the first DATA when none);</item>
/// <item>OnResponseStart — after the request is recorded and dispatched, before any response frame;</item>
/// <item>OnResponseBody — after N DATA bytes; OnResponseEnd — after END_STREAM.</item>
/// </list>
/// </summary>
internal sealed partial class Http2ServerSession
{
    // Section 8.2.2: connection-specific fields have no meaning in HTTP/2 and make a message
    // malformed, so they are dropped from scripted responses rather than sent.
    private static readonly string[] DroppedResponseFields = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"];

    private async Task RunExchangeAsync(Http2ServerStream stream)
    {
        var ct = stream.Lifetime.Token;
        try
        {
            var head = stream.Head!;
            if (_server.IsLogging)
            {
                _server.Log($"[conn {_connection.Index} #{stream.Sequence} stream {stream.Id}] {head.RequestLine}");
            }

            var peeked = _server.Dispatcher.Peek();
            var early = peeked?.Effective ?? PolicyTriggers.None;
            if (early.OnRequestStart is { } startEffect)
            {
                await FireBeforeResponseAsync(stream, nameof(MockResponse.OnRequestStart), startEffect,
                    $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestStart)}: {startEffect} when the request headers arrived.", ct).ConfigureAwait(false);
                return;
            }

            if (SendsContinue(early.Continue, stream))
            {
                // RFC 9110 section 10.1.1 over HTTP/2: a 100 HEADERS frame before the body is read.
                QueueHeaders(stream, [new(":status", "100")], endStream: false);
            }

            if (early.DoNotReadRequestBody)
            {
                lock (_lock)
                {
                    stream.ReadsBody = false;
                }
            }
            else
            {
                if (early.OnRequestBody is { } bodyEffect)
                {
                    var threshold = head.ContentLength is { } length ? Math.Max(1, length / 2) : 1;
                    await stream.WaitForBodyAsync(threshold, SessionToken).ConfigureAwait(false);
                    if (!RequestComplete(stream, out _))
                    {
                        await FireBeforeResponseAsync(stream, nameof(MockResponse.OnRequestBody), bodyEffect,
                            $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestBody)}: {bodyEffect} after {BodySize(stream)} body bytes.", ct).ConfigureAwait(false);
                        return;
                    }
                }

                // Not the stream's token: a client reset completes the wait with a failure to record.
                await stream.WaitForBodyAsync(long.MaxValue, SessionToken).ConfigureAwait(false);
                if (!RequestComplete(stream, out var failure) && failure is not null)
                {
                    RecordFailure(stream, failure);
                    return;
                }
            }

            var request = Build(stream, null);
            _connection.Record(request);
            _connection.State = "HTTP/2: dispatching";

            // A stream reset (or a connection ended) before dispatch must not take a scripted
            // response from the queue: the dispatcher may hand out a queued response without
            // looking at the token, and the next live request deserves it.
            ct.ThrowIfCancellationRequested();
            var response = await _server.Dispatcher.DispatchAsync(request, ct).ConfigureAwait(false);
            await RespondAsync(stream, head.Method!, response, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ExchangeTerminatedException or IOException or ObjectDisposedException)
        {
            Log($"stream {stream.Id} ended: {e.Message}");
        }
        catch (Exception e)
        {
            // Never let anything escape (a dispatcher that throws, a bad header value): log loudly, reset the stream.
            _server.Log($"[conn {_connection.Index} stream {stream.Id}] FAILED: {e}");
            QueueReset(stream.Id, Http2ErrorCode.InternalError, stream);
        }
        finally
        {
            OnExchangeEnded(stream);
        }
    }

    /// <summary>A request whose header list exceeded the limit: answered 431 (RFC 6585), already recorded.</summary>
    private async Task TooLargeAsync(Http2ServerStream stream)
    {
        try
        {
            QueueHeaders(stream, [new(":status", "431")], endStream: true);
            QueueReset(stream.Id, Http2ErrorCode.NoError, stream);
            await FlushAsync(stream.Lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The connection ended first.
        }
        finally
        {
            OnExchangeEnded(stream);
        }
    }

    /// <summary>A trigger fired before the response: record the request with the failure, consume its response, apply the effect.</summary>
    private async Task FireBeforeResponseAsync(Http2ServerStream stream, string trigger, SocketEffect effect, string message, CancellationToken ct)
    {
        var failure = new SocketPolicyException(trigger, effect, message);
        var request = Build(stream, failure);
        _connection.Record(request);
        ct.ThrowIfCancellationRequested();
        var response = await _server.Dispatcher.DispatchAsync(request, ct).ConfigureAwait(false);
        var applied = trigger == nameof(MockResponse.OnRequestStart)
            ? response.Effective.OnRequestStart ?? effect
            : response.Effective.OnRequestBody ?? effect;
        Log($"stream {stream.Id}: {message}");
        if (!await applied.ApplyAsync(stream, ct).ConfigureAwait(false))
        {
            // A half-close leaves the exchange going: answer it normally.
            await RespondAsync(stream, stream.Head!.Method!, response, ct).ConfigureAwait(false);
        }
    }

    private bool SendsContinue(ContinueMode mode, Http2ServerStream stream)
    {
        bool ended;
        lock (_lock)
        {
            ended = stream.RequestEnded;
        }

        return !ended && mode switch
        {
            ContinueMode.Always => true,
            ContinueMode.WhenExpected => stream.Head!.Fields.Exists(f => f.Key == "expect" && f.Value.Equals("100-continue", StringComparison.OrdinalIgnoreCase)),
            _ => false,
        };
    }

    private bool RequestComplete(Http2ServerStream stream, out Exception? failure)
    {
        lock (_lock)
        {
            failure = stream.RequestFailure;
            return stream.RequestEnded && failure is null;
        }
    }

    private long BodySize(Http2ServerStream stream)
    {
        lock (_lock)
        {
            return stream.Body.Size;
        }
    }

    private async Task RespondAsync(Http2ServerStream stream, string method, MockResponse response, CancellationToken ct)
    {
        var triggers = response.Effective;
        if (response.Settings is { } settings)
        {
            QueueLocalSettings(settings);
        }

        if (triggers.OnResponseStart is { } startEffect)
        {
            Log($"stream {stream.Id}: {ServerConnection.DescribeSource(response, response.OnResponseStart)}: {startEffect} instead of a response");
            if (await startEffect.ApplyAsync(stream, ct).ConfigureAwait(false))
            {
                return;
            }
        }

        _connection.State = "HTTP/2: writing a response";
        if (response.PushPromises.Count > 0)
        {
            await PushAsync(stream, response, ct).ConfigureAwait(false);
        }

        await WriteResponseAsync(stream, method, response, triggers, ct).ConfigureAwait(false);
        if (_server.IsLogging)
        {
            _server.Log($"[conn {_connection.Index} #{stream.Sequence} stream {stream.Id}] -> {response.Code} ({response.Body.Length} body bytes)");
        }

        if (triggers.OnResponseEnd is { } endEffect)
        {
            await FlushAsync(ct).ConfigureAwait(false);
            await endEffect.ApplyAsync(stream, ct).ConfigureAwait(false);
        }
    }

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

        var body = method == "HEAD" || response.Code is 204 or 304 ? ReadOnlyMemory<byte>.Empty : response.Body.Content;
        var hasTrailers = response.Trailers.Count > 0;
        var headersOnly = body.IsEmpty && !hasTrailers && triggers.OnResponseBody is null;
        QueueHeaders(stream, ResponseFields(response, addLength: true), endStream: headersOnly);
        if (headersOnly)
        {
            await FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        if (response.BodyDelay > TimeSpan.Zero)
        {
            await FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(response.BodyDelay, _server.TimeProvider, ct).ConfigureAwait(false);
        }

        if (response.Throttle is null && triggers.OnResponseBody is null)
        {
            await WriteDataAsync(stream, body, endStream: !hasTrailers, ct).ConfigureAwait(false);
        }
        else
        {
            // Decorators, outermost first: trigger (counts body bytes) → throttle → DATA frames.
            Stream sink = new Http2DataStream(this, stream);
            if (response.Throttle is { } throttle)
            {
                sink = new ThrottledStream(sink, throttle, _server.TimeProvider);
            }

            ResponseBodyTriggerStream? trigger = null;
            if (triggers.OnResponseBody is { } bodyEffect)
            {
                var after = triggers.OnResponseBodyAfterBytes >= 0 ? triggers.OnResponseBodyAfterBytes : body.Length / 2;
                sink = trigger = new ResponseBodyTriggerStream(sink, after, bodyEffect, stream, ct);
            }

            await sink.WriteAsync(body, ct).ConfigureAwait(false);
            if (trigger is not null)
            {
                await trigger.CompleteAsync(ct).ConfigureAwait(false);
            }

            if (!hasTrailers)
            {
                await WriteDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, ct).ConfigureAwait(false);
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
    /// Sends <paramref name="data"/> as DATA frames no larger than the client's SETTINGS_MAX_FRAME_SIZE,
    /// each within both flow-control windows (section 5.2): stream credit first, then connection credit
    /// for at most that much, the stream's surplus returned.
    /// </summary>
    internal async Task WriteDataAsync(Http2ServerStream stream, ReadOnlyMemory<byte> data, bool endStream, CancellationToken ct)
    {
        if (data.IsEmpty)
        {
            if (endStream)
            {
                QueueData(stream, data, endStream: true);
            }

            return;
        }

        while (!data.IsEmpty)
        {
            var wanted = Math.Min(data.Length, _peerMaxFrameSize);
            var fromStream = await stream.SendWindow.WaitForCreditAsync(wanted, ct).ConfigureAwait(false);
            int granted;
            try
            {
                granted = await _sendWindow.WaitForCreditAsync(fromStream, ct).ConfigureAwait(false);
            }
            catch
            {
                stream.SendWindow.Return(fromStream);
                throw;
            }

            stream.SendWindow.Return(fromStream - granted);
            var chunk = data[..granted];
            data = data[granted..];
            QueueData(stream, chunk, endStream && data.IsEmpty);
        }
    }

    private void QueueData(Http2ServerStream stream, ReadOnlyMemory<byte> chunk, bool endStream) =>
        Queue(w =>
        {
            if (BeginSend(stream, Http2FrameType.Data, endStream))
            {
                Http2FrameWriter.WriteData(w, stream.Id, chunk.Span, endStream);
            }
            else
            {
                _sendWindow.Return(chunk.Length); // Not sent (the stream was reset): the connection keeps the credit.
            }
        });

    /// <summary>Section 8.4: PUSH_PROMISE on the request's stream, then the pushed response on the promised even stream.</summary>
    private async Task PushAsync(Http2ServerStream stream, MockResponse response, CancellationToken ct)
    {
        var head = stream.Head!;
        var scheme = head.Scheme ?? _connection.Scheme;
        var authority = head.Authority ?? _fallbackAuthority;
        foreach (var push in response.PushPromises)
        {
            var sequence = _connection.NextSequenceNumber();
            var line = $"{push.Method} {push.Path} HTTP/2";
            var headers = push.Headers.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)).ToList();
            var url = Recording.RecordedRequestFactory.BuildUrl(push.Method, push.Path, scheme, authority, _fallbackAuthority);
            if (!_peerEnablePush)
            {
                // Section 8.4: "A server MUST NOT send a PUSH_PROMISE ... if SETTINGS_ENABLE_PUSH is 0".
                var refused = new InvalidOperationException($"Push of {push.Path} skipped: the client disabled server push (SETTINGS_ENABLE_PUSH = 0).");
                Log(refused.Message);
                _connection.Record(new RecordedRequest(line, push.Method, push.Path, url, new RecordedHeaders(headers), [], 0, [], sequence, _connection.Index, _protocol, _connection.Handshake, refused));
                continue;
            }

            Http2ServerStream pushed;
            lock (_lock)
            {
                var id = _nextPushStreamId;
                _nextPushStreamId += 2;
                var state = new Http2StreamStateMachine(id);
                state.Reserve(local: true);
                pushed = new Http2ServerStream(this, id, sequence, state, _peerInitialWindowSize, 0, 0) { IsPush = true };
                _streams.Add(id, pushed);
            }

            _connection.Record(new RecordedRequest(line, push.Method, push.Path, url, new RecordedHeaders(headers), [], 0, [], sequence, _connection.Index, _protocol, _connection.Handshake, null));
            List<HpackHeaderField> promised = [new(":method", push.Method), new(":path", push.Path), new(":scheme", scheme), new(":authority", authority)];
            promised.AddRange(headers.Select(h => new HpackHeaderField(h.Key, Latin1(h.Value))));
            Queue(w =>
            {
                if (!BeginSend(stream, Http2FrameType.PushPromise, false))
                {
                    return;
                }

                _headerBlock.Clear();
                _encoder.Encode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(promised), _headerBlock);
                Http2FrameWriter.WritePushPromiseBlock(w, stream.Id, pushed.Id, _headerBlock.WrittenSpan, _peerMaxFrameSize);
            });
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, pushed.Lifetime.Token);
                await WriteResponseAsync(pushed, push.Method, push.Response, PolicyTriggers.None, linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && !ct.IsCancellationRequested)
            {
                Log($"pushed stream {pushed.Id} ended early: {e.Message}"); // The client may reset a push it does not want.
            }
            finally
            {
                OnExchangeEnded(pushed);
            }
        }
    }

    /// <summary>:status then the scripted fields, lower-cased, connection-specific ones dropped (section 8.2.2).</summary>
    private static List<HpackHeaderField> ResponseFields(MockResponse response, bool addLength)
    {
        List<HpackHeaderField> fields = [new(":status", response.Code.ToString(CultureInfo.InvariantCulture))];
        Fields(response.Headers, fields);
        if (addLength && response.Code is >= 200 and not 204 and not 304 && response.Trailers.Count == 0 && !response.Headers.Contains("Content-Length"))
        {
            fields.Add(new("content-length", response.Body.Length.ToString(CultureInfo.InvariantCulture)));
        }

        return fields;
    }

    private static List<HpackHeaderField> Fields(MockHeaders headers, List<HpackHeaderField> fields)
    {
        foreach (var (name, value) in headers)
        {
            var lower = name.ToLowerInvariant();
            if (Array.IndexOf(DroppedResponseFields, lower) < 0)
            {
                fields.Add(new(lower, Latin1(value)));
            }
        }

        return fields;
    }

    // HPACK strings are octets held one per char; scripted values are text, sent as UTF-8.
    private static string Latin1(string value) => Ascii.IsValid(value) ? value : Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(value));

    private RecordedRequest Build(Http2ServerStream stream, Exception? failure)
    {
        var head = stream.Head!;
        byte[] body;
        long size;
        List<KeyValuePair<string, string>>? trailers;
        lock (_lock)
        {
            body = stream.Body.ToArray();
            size = stream.Body.Size;
            trailers = stream.Trailers;
        }

        var method = head.Method ?? string.Empty;
        var url = head.Method is null ? null : Recording.RecordedRequestFactory.BuildUrl(method, head.Target, head.Scheme ?? _connection.Scheme, head.Authority, _fallbackAuthority);
        return new RecordedRequest(
            head.Method is null ? string.Empty : head.RequestLine,
            method,
            head.Target,
            url,
            new RecordedHeaders(head.Fields),
            body,
            size,
            [],
            stream.Sequence,
            _connection.Index,
            _protocol,
            _connection.Handshake,
            failure,
            trailers is null ? null : new RecordedHeaders(trailers));
    }

    private void RecordFailure(Http2ServerStream stream, Exception failure)
    {
        Log($"stream {stream.Id} rejected: {failure.Message}");
        _connection.Record(Build(stream, failure));
    }
}
