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
    /// <remarks>
    /// A request without content (most GETs) is sent and answered without an async state machine: the
    /// head write usually completes at once, and the wait for the response head, which suspends on
    /// nearly every request, goes through the connection's <see cref="ResponseHeadWait"/>. An async
    /// method's box would be rented per wait, and with many exchanges in flight the builder's caches
    /// miss, so its size was allocated per request. Requests with content keep an async method
    /// (<see cref="SendWithContentAsync"/>): the body, the 100-continue wait and an early final head.
    /// </remarks>
    public override ValueTask<(HttpResponseMessage Response, IResponseBody Body)> SendAsync(HttpRequestMessage request, Exchange exchange) =>
        request.Content is null ? SendWithoutContent(request, exchange) : SendWithContentAsync(request, request.Content, exchange);

    private ValueTask<(HttpResponseMessage Response, IResponseBody Body)> SendWithoutContent(HttpRequestMessage request, Exchange exchange)
    {
        ValueTask write;
        try
        {
            write = WriteAsync(WriteHead(request, exchange, contentLength: null), exchange);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<(HttpResponseMessage, IResponseBody)>(MapFailure(exchange, e, "writing the request headers"));
        }

        if (!write.IsCompletedSuccessfully)
        {
            return ReadFinalHeadAfterWriteAsync(write, request, exchange); // The socket's send buffer was full.
        }

        write.GetAwaiter().GetResult(); // Ends the completed write (its pooled box goes back).
        return ReadFinalHead(request, exchange);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(HttpResponseMessage Response, IResponseBody Body)> ReadFinalHeadAfterWriteAsync(ValueTask write, HttpRequestMessage request, Exchange exchange)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw MapFailure(exchange, e, "writing the request headers");
        }

        return await ReadFinalHead(request, exchange).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the final response head after a request without content: at once when the bytes are
    /// buffered or the socket has them, otherwise through <see cref="ResponseHeadWait"/>.
    /// </summary>
    private ValueTask<(HttpResponseMessage Response, IResponseBody Body)> ReadFinalHead(HttpRequestMessage request, Exchange exchange)
    {
        try
        {
            exchange.Listener.OnRequestHeadersEnd(exchange.CallId, request);
            exchange.Listener.OnResponseHeadersStart(exchange.CallId);
            var informational = 0;
            Http1ResponseHead final;
            while (!TryTakeFinalHead(ref informational, out final))
            {
                var receive = ReceiveAsync(exchange);
                if (!receive.IsCompleted)
                {
                    return (_headWait ??= new ResponseHeadWait(this)).Start(request, exchange, informational, receive);
                }

                int read;
                try
                {
                    read = receive.GetAwaiter().GetResult();
                }
                finally
                {
                    exchange.Disarm();
                }

                Received(exchange, read);
            }

            return new(CreateFinalResponse(request, final, exchange, skippedBody: false));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<(HttpResponseMessage, IResponseBody)>(MapFailure(exchange, e, "reading the response headers"));
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(HttpResponseMessage Response, IResponseBody Body)> SendWithContentAsync(HttpRequestMessage request, HttpContent content, Exchange exchange)
    {
        var phase = "writing the request headers";
        var contentFailed = false;
        Http1ResponseHead? early = null;
        Task<Http1ResponseHead>? pendingHead = null;
        try
        {
            var contentLength = content.Headers.ContentLength;
            await WriteAsync(WriteHead(request, exchange, contentLength), exchange).ConfigureAwait(false);
            exchange.Listener.OnRequestHeadersEnd(exchange.CallId, request);

            // Its own method (which maps its failures itself): this state machine then carries none of
            // the body's and the 100-continue wait's locals and awaiters.
            contentFailed = true;
            (early, pendingHead) = await SendContentAsync(request, content, contentLength, exchange).ConfigureAwait(false);
            contentFailed = false;

            phase = "reading the response headers";
            exchange.Listener.OnResponseHeadersStart(exchange.CallId);
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
                // The head read inline: this state machine is then the only one waiting for the response.
                var informational = 0;
                while (!TryTakeFinalHead(ref informational, out final))
                {
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

            // A final answer that came before the body was sent (only after Expect: 100-continue): the body was skipped.
            return CreateFinalResponse(request, final, exchange, skippedBody: early is not null);
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

            throw MapFailure(exchange, e, phase);
        }
    }

    /// <summary>
    /// Writes the request head into the connection's head buffer (validating every field first, so a
    /// refused header leaves the connection clean), then marks the request started.
    /// </summary>
    /// <returns>The head's bytes, valid until the connection's next exchange.</returns>
    private ReadOnlyMemory<byte> WriteHead(HttpRequestMessage request, Exchange exchange, long? contentLength)
    {
        var head = _requestHead ??= new PooledBufferWriter();
        head.Clear();
        _defaultHost ??= Http1RequestHeadWriter.DefaultHost(request.RequestUri!);
        Http1RequestHeadWriter.Write(head, request, Route, contentLength, _defaultHost);
        exchange.Listener.OnRequestHeadersStart(exchange.CallId);
        exchange.RequestStarted = true;
        return head.WrittenMemory;
    }

    /// <summary>Takes buffered heads until a final one (see <see cref="IsFinal"/>); false when more bytes are needed.</summary>
    private bool TryTakeFinalHead(ref int informational, out Http1ResponseHead final)
    {
        while (TryTakeHead(out final))
        {
            if (IsFinal(final, ref informational))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The response for the final head, with its body.</summary>
    private (HttpResponseMessage Response, IResponseBody Body) CreateFinalResponse(HttpRequestMessage request, Http1ResponseHead final, Exchange exchange, bool skippedBody)
    {
        // A timeout that expired while the head was arriving wins even if the bytes got here first
        // (the timer fired after the socket read completed but before its continuation disarmed
        // it): the exchange's token is canceled for good, so a response handed out now would fail
        // on its first use (a 101's upgraded stream on its first write) with a timeout that
        // belongs to this head read. Fail the call with it instead.
        exchange.Token.ThrowIfCancellationRequested();

        var (response, body) = final.StatusCode == 101
            ? (RequestsUpgrade(request) ? CreateUpgradedResponse(request, final, exchange) : throw UnrequestedUpgrade())
            : CreateResponse(request, final, exchange, skippedBody);
        exchange.Listener.OnResponseHeadersEnd(exchange.CallId, response);
        return (response, body);
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

            throw MapFailure(exchange, e, phase);
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
