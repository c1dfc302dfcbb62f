using MockKit.MockServer.Connections;
using MockKit.MockServer.Dispatching;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;

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
    private async Task RunExchangeAsync(Http2ServerStream stream)
    {
        var ct = stream.Lifetime.Token;
        ResponseClaim? claim = null;
        try
        {
            var head = stream.Head!;
            if (_server.IsLogging)
            {
                _server.LogStream(_connection.Index, stream.Sequence, stream.Id, $"{head.RequestLine}");
            }

            // Take this stream's response as its HEADERS arrive, so the early policies below come
            // from the response this stream is then given, however many streams race (handed back
            // in the finally block if the stream ends before dispatch).
            // The head-only request is built only for a dispatcher whose claim reads it (a route).
            claim = stream.ArrivalClaim ?? _server.ClaimResponse(_server.ClaimReadsRequest ? BuildHead(stream) : null);
            stream.ArrivalClaim = null;
            var peeked = claim?.Response;
            var early = peeked?.Effective ?? PolicyTriggers.None;
            if (early.OnRequestStart is { } startEffect)
            {
                var startClaim = claim;
                claim = null;
                await FireBeforeResponseAsync(stream, nameof(MockResponse.OnRequestStart), startEffect,
                    $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestStart)}: {startEffect} when the request headers arrived.", startClaim, ct).ConfigureAwait(false);
                return;
            }

            if (SendsContinue(early.Continue, stream))
            {
                // RFC 9110 section 10.1.1 over HTTP/2: a 100 HEADERS frame before the body is read.
                QueueHeaders(stream, [new(":status", "100")], endStream: false);
            }

            // Nothing needs the body read first: a streaming dispatcher (a forward) gets the request
            // now and its body as it arrives; the request is recorded when the body ended.
            var streamingDispatcher = early.DoNotReadRequestBody || early.OnRequestBody is not null ? null : _server.StreamingDispatcherFor(claim);
            Streaming.RequestBodyPipe? pipe;
            lock (_lock)
            {
                pipe = stream.BodyPipe;
            }

            // An extended CONNECT (RFC 8441), or a duplex response known now: answered while DATA still flows.
            if (pipe is not null && (head.Protocol is not null
                || (claim is { Bound: true, Response.DuplexHandler: not null } && !early.DoNotReadRequestBody && early.OnRequestBody is null)))
            {
                var tunnelClaim = claim;
                claim = null;
                await ServeTunnelAsync(stream, pipe, tunnelClaim, ct).ConfigureAwait(false);
                return;
            }

            if (streamingDispatcher is not null && pipe is not null)
            {
                claim = null; // Not bound (StreamingDispatcherFor): nothing to hand back.
                if (await DispatchStreamingAsync(stream, pipe, streamingDispatcher, ct).ConfigureAwait(false) is { } streamed)
                {
                    await RespondAsync(stream, head.Method!, streamed, ct).ConfigureAwait(false);
                    CreditServedStream();
                }

                return;
            }

            DetachBodyPipe(stream);
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
                        var bodyClaim = claim;
                        claim = null;
                        await FireBeforeResponseAsync(stream, nameof(MockResponse.OnRequestBody), bodyEffect,
                            $"{ServerConnection.DescribeSource(peeked!, peeked!.OnRequestBody)}: {bodyEffect} after {BodySize(stream)} body bytes.", bodyClaim, ct).ConfigureAwait(false);
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
            _connection.RecordForDispatch(request);
            _connection.State = "HTTP/2: dispatching";

            // A stream reset (or a connection ended) before dispatch must not take a scripted
            // response from the queue: the dispatcher may hand out a queued response without
            // looking at the token, and the next live request deserves it.
            if (ct.IsCancellationRequested)
            {
                _server.ObserveOutcome(request);
                ct.ThrowIfCancellationRequested();
            }
            var dispatchClaim = claim;
            claim = null;
            var response = await _server.DispatchAsync(request, dispatchClaim, ct).ConfigureAwait(false);
            if (response.WebSocketHandler is not null || response.DuplexHandler is not null)
            {
                await RespondWithHandlerAsync(stream, request, response, ct).ConfigureAwait(false);
                return;
            }

            await RespondAsync(stream, head.Method!, response, ct).ConfigureAwait(false);
            CreditServedStream();
        }
        catch (Exception e) when (e is OperationCanceledException or ExchangeTerminatedException or IOException or ObjectDisposedException)
        {
            Log($"stream {stream.Id} ended: {e.Message}");
        }
        catch (Exception e)
        {
            // Never let anything escape (a dispatcher that throws, a bad header value): log loudly, reset the stream.
            _server.LogStream(_connection.Index, null, stream.Id, $"FAILED: {e}");
            QueueReset(stream.Id, Http2ErrorCode.InternalError, stream);
        }
        finally
        {
            // Still held: the stream ended before dispatch, so the next request deserves it.
            MockWebServer.ReleaseResponse(claim);
            DetachBodyPipe(stream);
            OnExchangeEnded(stream);
        }
    }

    /// <summary>A request served to the end earns every flood guard some budget back (see <see cref="MockKit.Http2.Engine.Http2FloodGuard"/>).</summary>
    private void CreditServedStream()
    {
        _pings.Credit(CreditPerServedStream);
        _settingsFrames.Credit(CreditPerServedStream);
        _resets.Credit(CreditPerServedStream);
        _emptyData.Credit(CreditPerServedStream);
        _windowUpdates.Credit(CreditPerServedStream);
        _priorities.Credit(CreditPerServedStream);
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
    private async Task FireBeforeResponseAsync(Http2ServerStream stream, string trigger, SocketEffect effect, string message, ResponseClaim? claim, CancellationToken ct)
    {
        var failure = new SocketPolicyException(trigger, effect, message);
        var request = Build(stream, failure);
        _connection.Record(request);
        var response = await _server.DispatchAsync(request, claim, ct).ConfigureAwait(false);
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

    /// <summary>The request as known when its HEADERS arrived: what a claim may match on (no body yet).</summary>
    private RecordedRequest BuildHead(Http2ServerStream stream) =>
        RecordedRequestFactory.Http2(stream.Head!, _connection.RecordingContext, _protocol, stream.Sequence, null);

    private RecordedRequest Build(Http2ServerStream stream, Exception? failure)
    {
        byte[] body;
        long size;
        List<KeyValuePair<string, string>>? trailers;
        lock (_lock)
        {
            body = stream.Body.Detach();
            size = stream.Body.Size;
            trailers = stream.Trailers;
        }

        return RecordedRequestFactory.Http2(stream.Head!, _connection.RecordingContext, _protocol, stream.Sequence, failure, body, size, trailers);
    }

    private void RecordFailure(Http2ServerStream stream, Exception failure)
    {
        Log($"stream {stream.Id} rejected: {failure.Message}");
        _connection.Record(Build(stream, failure));
    }
}
