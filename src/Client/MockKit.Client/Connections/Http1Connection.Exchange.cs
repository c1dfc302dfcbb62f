using System.Net;
using System.Runtime.CompilerServices;
using MockKit.Buffers;
using MockKit.Http1;

namespace MockKit.Client.Connections;

// One exchange: write the request (head, then body with Expect: 100-continue handling),
// read the final response head and hand the body to a streaming content.
internal sealed partial class Http1Connection
{
    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<(HttpResponseMessage Response, IResponseBody Body)> SendAsync(HttpRequestMessage request, Exchange exchange)
    {
        var listener = exchange.Listener;
        var phase = "writing the request headers";
        var contentFailed = false;
        Http1ResponseHead? early = null;
        Task<Http1ResponseHead>? pendingHead = null;
        try
        {
            var head = _requestHead ??= new PooledBufferWriter();
            head.Clear();
            var contentLength = request.Content?.Headers.ContentLength;
            // Validation happens here, before any byte is written, so a refused header leaves the connection clean.
            _defaultHost ??= Http1RequestHeadWriter.DefaultHost(request.RequestUri!);
            Http1RequestHeadWriter.Write(head, request, Route, contentLength, _defaultHost);
            listener.OnRequestHeadersStart(exchange.CallId);
            exchange.RequestStarted = true;
            await WriteAsync(head.WrittenMemory, exchange).ConfigureAwait(false);

            listener.OnRequestHeadersEnd(exchange.CallId, request);
            if (request.Content is { } content)
            {
                // Its own method (which maps its failures itself): a GET's state machine then carries none of
                // the body's and the 100-continue wait's locals and awaiters (see ReadHeadAsync on what boxes cost).
                contentFailed = true;
                (early, pendingHead) = await SendContentAsync(request, content, contentLength, exchange).ConfigureAwait(false);
                contentFailed = false;
            }

            phase = "reading the response headers";
            listener.OnResponseHeadersStart(exchange.CallId);
            Http1ResponseHead final;
            if (early is { } answered)
            {
                final = answered;
            }
            else if (pendingHead is not null)
            {
                final = await ReadFinalHeadAfterAsync(exchange, pendingHead).ConfigureAwait(false);
            }
            else
            {
                // The common case, ReadHeadAsync's loop inline: this state machine is then the only one
                // waiting for the response (see ReadHeadAsync's remarks on what each async level costs).
                var informational = 0;
                while (true)
                {
                    if (TryTakeHead(out final))
                    {
                        if (IsFinal(final, ref informational))
                        {
                            break;
                        }

                        continue;
                    }

                    int read;
                    try
                    {
                        read = await ReceiveAsync(exchange).ConfigureAwait(false);
                    }
                    finally
                    {
                        exchange.Disarm();
                    }

                    Received(exchange, read);
                }
            }

            // A timeout that expired while the head was arriving wins even if the bytes got here first
            // (the timer fired after the socket read completed but before its continuation disarmed
            // it): the exchange's token is canceled for good, so a response handed out now would fail
            // on its first use (a 101's upgraded stream on its first write) with a timeout that
            // belongs to this head read. Fail the call with it instead.
            exchange.Token.ThrowIfCancellationRequested();

            // A final answer that came before the body was sent (only after Expect: 100-continue): the body was skipped.
            var (response, body) = final.StatusCode == 101
                ? (RequestsUpgrade(request) ? CreateUpgradedResponse(request, final, exchange) : throw UnrequestedUpgrade())
                : CreateResponse(request, final, exchange, skippedBody: early is not null);
            listener.OnResponseHeadersEnd(exchange.CallId, response);
            return (response, body);
        }
        catch (Exception e)
        {
            if (contentFailed)
            {
                throw; // Already mapped by SendContentAsync, which also observed its head read.
            }

            if (pendingHead is not null)
            {
                // The head read still runs beside the failed body write; it ends when the connection is
                // closed, and nobody awaits it any more: observe its outcome.
                _ = ObserveAsync(pendingHead);
            }

            throw exchange.MapFailure(e, phase);
        }
    }

    /// <summary>
    /// Sends the request content, after waiting for 100 Continue when the request expects it (RFC 9110
    /// section 10.1.1). Returns a final head that came instead of 100 (the body then was not sent), and the
    /// head read that the wait left running when it timed out. Failures come out mapped (<see cref="Exchange.MapFailure"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(Http1ResponseHead? Early, Task<Http1ResponseHead>? Pending)> SendContentAsync(
        HttpRequestMessage request, HttpContent content, long? contentLength, Exchange exchange)
    {
        var listener = exchange.Listener;
        var phase = "writing the request body";
        Task<Http1ResponseHead>? pendingHead = null;
        try
        {
            Http1ResponseHead? early = null;
            if (RequestHeaders.IfAny(request)?.ExpectContinue == true)
            {
                phase = "waiting for 100 Continue";
                await FlushAsync(exchange).ConfigureAwait(false);
                (early, pendingHead) = await AwaitContinueAsync(exchange).ConfigureAwait(false);
            }

            if (early is null)
            {
                phase = "writing the request body";
                listener.OnRequestBodyStart(exchange.CallId);
                var requestBody = new Http1RequestBodyStream(this, exchange, contentLength);
                await content.CopyToAsync(requestBody, exchange.Token).ConfigureAwait(false);
                await requestBody.CompleteAsync().ConfigureAwait(false);
                listener.OnRequestBodyEnd(exchange.CallId, requestBody.BytesWritten);
            }

            return (early, pendingHead);
        }
        catch (Exception e)
        {
            if (pendingHead is not null)
            {
                _ = ObserveAsync(pendingHead); // As in SendAsync: the abandoned head read's outcome.
            }

            throw exchange.MapFailure(e, phase);
        }
    }

    private static async Task ObserveAsync(Task<Http1ResponseHead> abandoned)
    {
        try
        {
            await abandoned.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Expected: the exchange failed and its connection is closing.
        }
    }

    // RFC 9110 section 10.1.1: after sending Expect: 100-continue, wait for 100 or a final
    // status, but not forever: after the timeout send the body anyway. The head read keeps
    // running while the body is written (one read and one write may overlap on a stream).
    private async Task<(Http1ResponseHead? Early, Task<Http1ResponseHead>? Pending)> AwaitContinueAsync(Exchange exchange)
    {
        // No read timeout on this read: the 100-continue timer bounds the wait, and after it the
        // caller arms the read timeout around the still-running task. Call cancellation applies.
        var read = ReadHeadAsync(exchange, armReadTimeout: false).AsTask();
        using var delay = new CancellationTokenSource();
        var timer = Task.Delay(exchange.Settings.ExpectContinueTimeout, exchange.Settings.TimeProvider, delay.Token);
        var first = await Task.WhenAny(read, timer).ConfigureAwait(false);
        await delay.CancelAsync().ConfigureAwait(false);
        if (first != read)
        {
            return (null, read);
        }

        var head = await read.ConfigureAwait(false);
        if (head.StatusCode == 100)
        {
            return (null, null);
        }

        if (head.StatusCode < 200)
        {
            return (null, null); // Another 1xx: treat as permission to continue.
        }

        // A final answer without the body: the server may still expect it, so the connection
        // cannot carry another request (CreateResponse marks it).
        return (head, null);
    }

    // The final response head after the 100-continue wait: the head read that the wait left running,
    // then (after an interim response) the following heads.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Http1ResponseHead> ReadFinalHeadAfterAsync(Exchange exchange, Task<Http1ResponseHead> pending)
    {
        Http1ResponseHead head;
        exchange.Arm(exchange.Settings.ReadTimeout, "read");
        try
        {
            head = await pending.ConfigureAwait(false);
        }
        finally
        {
            exchange.Disarm();
        }

        var informational = 0;
        return IsFinal(head, ref informational) ? head : await ReadHeadAsync(exchange, final: true, informational: informational).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="head"/> ends the head reads: a final response, or 101 Switching
    /// Protocols (the caller accepts it only for a request that asked for an upgrade); an interim
    /// (1xx) one (RFC 9110 section 15.2) is counted in <paramref name="informational"/> and skipped.
    /// </summary>
    private static bool IsFinal(Http1ResponseHead head, ref int informational)
    {
        if (head.StatusCode >= 200 || head.StatusCode == 101)
        {
            return true;
        }

        if (++informational > InstrumentedHandler.MaxInformationalResponses)
        {
            // Each interim response is cheap for the server to send; without a cap it could keep the
            // exchange reading heads forever. The rest of the response stays unread: never reused.
            throw new Http1ParseException(502, $"The server sent more than {InstrumentedHandler.MaxInformationalResponses} informational (1xx) responses to one request.");
        }

        return false;
    }

    private (HttpResponseMessage, Http1ResponseStream) CreateResponse(HttpRequestMessage request, Http1ResponseHead head, Exchange exchange, bool skippedBody)
    {
        var response = new InstrumentedResponse((HttpStatusCode)head.StatusCode)
        {
            ReasonPhrase = head.Reason,
            Version = head.Version == Protocol.Http10 ? HttpVersion.Version10 : HttpVersion.Version11,
            RequestMessage = request,
        };
        var framing = Http1BodyFraming.ForResponse(request.Method.Method, head.StatusCode, head.Headers);
        var keepAlive = head.Version == Protocol.Http11;
        var stream = new Http1ResponseStream(this, exchange, framing, response);
        var content = new StreamContent(stream);
        foreach (var (name, value) in head.Headers)
        {
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                keepAlive = ConnectionOptionsAllowReuse(value, keepAlive);
            }

            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (RequestHeaders.IfAny(request)?.ConnectionClose == true || framing.Kind == Http1BodyKind.UntilClose || skippedBody)
        {
            keepAlive = false;
        }

        stream.ReusableAfterBody = keepAlive;
        response.Content = content;
        return (response, stream);
    }

    private static bool ConnectionOptionsAllowReuse(string value, bool current)
    {
        // Split without allocating: this runs for every response that carries Connection.
        foreach (var range in value.AsSpan().Split(','))
        {
            var token = value.AsSpan(range).Trim();
            if (token.Equals("close", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
            {
                current = true;
            }
        }

        return current;
    }
}
