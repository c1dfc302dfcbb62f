using MockKit.MockServer.Exchanges;
using MockKit.MockServer.Policies;
using MockKit.MockServer.Recording;
using MockKit.MockServer.Streaming;

namespace MockKit.MockServer.Http2;

/// <summary>
/// HTTP/2's side of the exchange pipeline (<see cref="ServerExchange"/>), which each stream's exchange
/// task runs with the stream as its <see cref="IExchangeTransport"/> (see Http2ServerStream.Exchange.cs).
/// Triggers fire at the HTTP/1 moments, scoped to the stream: OnRequestStart when the request
/// HEADERS arrived (e.g. <see cref="SocketPolicy.ResetStreamAtStart"/> sends RST_STREAM),
/// OnRequestBody after half the declared content-length (or the first DATA when none), then the
/// response's triggers; effects act on the stream (<see cref="Http2ServerStream"/>).
/// </summary>
internal sealed partial class Http2ServerSession
{
    /// <summary>The exchange task of one stream: the pipeline, with the response its HEADERS claimed on arrival.</summary>
    private Task<bool> RunExchangeAsync(Http2ServerStream stream)
    {
        if (_server.IsLogging)
        {
            _server.LogStream(_connection.Index, stream.Sequence, stream.Id, $"{stream.Head!.RequestLine}");
        }

        var claim = stream.ArrivalClaim;
        stream.ArrivalClaim = null;
        return ServerExchange.RunAsync(stream, claim, stream.Lifetime.Token);
    }

    /// <summary>Reads (or skips) the request body for the pipeline, stopping at OnRequestBody's threshold.</summary>
    internal async ValueTask<(RequestBodyOutcome Outcome, Exception? Failure)> ReadBodyAsync(Http2ServerStream stream, PolicyTriggers early)
    {
        DetachBodyPipe(stream);
        if (early.DoNotReadRequestBody)
        {
            lock (_lock)
            {
                stream.ReadsBody = false;
                stream.DeclaredContentLength = -1; // Unread DATA is not counted: its content-length cannot be checked.
            }

            return (RequestBodyOutcome.NotRead, null);
        }

        if (early.OnRequestBody is not null)
        {
            var threshold = stream.Head!.ContentLength is { } length ? Math.Max(1, length / 2) : 1;
            await stream.WaitForBodyAsync(threshold, SessionToken).ConfigureAwait(false);
            if (!RequestComplete(stream, out _))
            {
                return (RequestBodyOutcome.TriggerFired, null);
            }
        }

        // Not the stream's token: a client reset completes the wait with a failure to record.
        await stream.WaitForBodyAsync(long.MaxValue, SessionToken).ConfigureAwait(false);
        if (!RequestComplete(stream, out var failure) && failure is not null)
        {
            return (RequestBodyOutcome.Failed, failure);
        }

        return (RequestBodyOutcome.Complete, null);
    }

    /// <summary>RFC 9110 section 10.1.1 over HTTP/2: a 100 HEADERS frame before the body is read.</summary>
    internal void SendContinue(Http2ServerStream stream) => QueueHeaders(stream, [new(":status", "100")], endStream: false);

    /// <summary>True for an extended CONNECT, or a duplex response claimed on arrival, while the body pipe is there.</summary>
    internal bool ServesWhileBodyFlows(Http2ServerStream stream, bool duplexClaimed)
    {
        lock (_lock)
        {
            return stream.BodyPipe is not null && (stream.Head!.Protocol is not null || duplexClaimed);
        }
    }

    internal bool CanStreamBody(Http2ServerStream stream)
    {
        lock (_lock)
        {
            return stream.BodyPipe is not null;
        }
    }

    /// <summary>The body pipe the stream got as its HEADERS arrived (see AttachTunnelPipe, OpenStream), and when the body ends.</summary>
    internal RequestBodyFlow OpenBodyFlow(Http2ServerStream stream)
    {
        RequestBodyPipe pipe;
        lock (_lock)
        {
            pipe = stream.BodyPipe!;
        }

        return new RequestBodyFlow(pipe, BodyEndedAsync(stream));
    }

    /// <summary>Null when the request body ended whole; otherwise why not (a client reset, a malformed body, the connection's end).</summary>
    private async Task<Exception?> BodyEndedAsync(Http2ServerStream stream)
    {
        try
        {
            // Not the stream's token: a client reset completes the wait with a failure to record.
            await stream.WaitForBodyAsync(long.MaxValue, SessionToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The session's end may race the body's: a body that did end is whole.
            return RequestComplete(stream, out _) ? null : new IOException("The connection ended before the request body did.");
        }

        return RequestComplete(stream, out var failure) ? null : failure ?? new IOException("The request body did not end.");
    }

    /// <summary>After a tunnel's response: a client still sending is told to stop (see <see cref="EndTunnel"/>).</summary>
    internal void EndBodyFlow(Http2ServerStream stream)
    {
        if (stream.Head!.Protocol is not null)
        {
            EndTunnel(stream);
        }
    }

    /// <summary>A stream the client reset before our response ended (END_STREAM) was abandoned.</summary>
    internal string? DescribeAbandonment(Http2ServerStream stream)
    {
        lock (_lock)
        {
            return stream.State.ResetByPeer ? $"the client reset the stream ({RfcName(stream.PeerResetCode)})" : null;
        }
    }

    /// <summary>The code's name as RFC 9113 section 7 writes it (CANCEL, NO_ERROR), or its hex value when unknown.</summary>
    private static string RfcName(Http2ErrorCode code)
    {
        if (!Enum.IsDefined(code))
        {
            return $"0x{(uint)code:x}";
        }

        var name = code.ToString();
        var rfc = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                rfc.Append('_');
            }

            rfc.Append(char.ToUpperInvariant(name[i]));
        }

        return rfc.ToString();
    }

    /// <summary>SETTINGS the response carries go out before anything else of it.</summary>
    internal void BeforeResponse(MockResponse response)
    {
        if (response.Settings is { } settings)
        {
            QueueLocalSettings(settings);
        }
    }

    internal ValueTask BeforeWriteResponseAsync(Http2ServerStream stream, MockResponse response, CancellationToken ct)
    {
        _connection.State = "HTTP/2: writing a response";
        return response.PushPromises.Count > 0 ? new(PushAsync(stream, response, ct)) : ValueTask.CompletedTask;
    }

    internal void OnResponseSent(Http2ServerStream stream, MockResponse response, bool duplex)
    {
        if (_server.IsLogging)
        {
            // A duplex body is whatever its handler wrote: no scripted size to report.
            if (duplex)
            {
                _server.LogStream(_connection.Index, stream.Sequence, stream.Id, $"-> {response.Code} (duplex)");
            }
            else
            {
                _server.LogStream(_connection.Index, stream.Sequence, stream.Id, $"-> {response.Code} ({response.Body.SentSize})");
            }
        }

        _server.OnResponseSent(_connection, stream.Sequence, response.Code, Protocol.Http2);

        // A duplex stream (a gRPC bidi call) is served like any other: it earns the flood budgets back.
        CreditServedStream();
    }

    internal Task FlushAsync(Http2ServerStream stream, CancellationToken ct)
    {
        _ = stream; // Frames of every stream share the one writer.
        return FlushAsync(ct);
    }

    /// <summary>The catch ladder of an exchange task: it never lets anything escape.</summary>
    internal void OnExchangeFailed(Http2ServerStream stream, Exception e)
    {
        if (e is OperationCanceledException or ExchangeTerminatedException or IOException or ObjectDisposedException)
        {
            Log($"stream {stream.Id} ended: {e.Message}");
            return;
        }

        // A dispatcher that throws, a bad header value: log loudly, reset the stream.
        _server.LogStream(_connection.Index, null, stream.Id, $"FAILED: {e}");
        QueueReset(stream.Id, Http2ErrorCode.InternalError, stream);
    }

    internal void OnExchangeTaskEnded(Http2ServerStream stream)
    {
        DetachBodyPipe(stream);
        OnExchangeEnded(stream);
    }

    internal void LogExchange(Http2ServerStream stream, string message) => Log($"stream {stream.Id}: {message}");

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
            bool requestEnded;
            lock (_lock)
            {
                requestEnded = stream.RequestEnded;
            }

            QueueHeaders(stream, [new(":status", "431")], endStream: true);
            if (!requestEnded)
            {
                // RFC 9113 section 8.1: the response is complete, so a client still sending is told to
                // stop. A request that ended is closed with our END_STREAM; a reset after it makes the
                // runtime's client report the reset instead of the 431 it already has.
                QueueReset(stream.Id, Http2ErrorCode.NoError, stream);
            }

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

    internal bool SendsContinue(ContinueMode mode, Http2ServerStream stream)
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

    internal long BodySize(Http2ServerStream stream)
    {
        lock (_lock)
        {
            return stream.BodySize;
        }
    }

    /// <summary>The request as known when its HEADERS arrived: what a claim may match on (no body yet).</summary>
    internal RecordedRequest BuildHead(Http2ServerStream stream) =>
        RecordedRequestFactory.Http2(stream.Head!, _connection.RecordingContext, _protocol, stream.Sequence, null);

    internal RecordedRequest Build(Http2ServerStream stream, Exception? failure)
    {
        byte[] body;
        long size;
        List<KeyValuePair<string, string>>? trailers;
        lock (_lock)
        {
            body = stream.DetachBody();
            size = stream.BodySize;
            trailers = stream.Trailers;
        }

        return RecordedRequestFactory.Http2(stream.Head!, _connection.RecordingContext, _protocol, stream.Sequence, failure, body, size, trailers);
    }

    /// <summary>Records a stream rejected before its exchange started (malformed or refused HEADERS, a header list over the limit).</summary>
    private void RecordFailure(Http2ServerStream stream, Exception failure)
    {
        Log($"stream {stream.Id} rejected: {failure.Message}");
        _connection.RecordRejected(Build(stream, failure));
    }
}
