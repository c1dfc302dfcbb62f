using System.Net;
using MockKit.Http2;
using MockKit.Http2.Hpack;

namespace MockKit.Client.Connections;

// One exchange on its own stream: HEADERS, the body under flow control, the response head, then
// the body streamed by Http2ResponseStream. Cancelling the exchange (call token, timeouts, the
// body reader) resets this stream only: RST_STREAM(CANCEL), section 8.7.
internal sealed partial class Http2Connection
{
    /// <inheritdoc />
    public override async ValueTask<(HttpResponseMessage Response, IResponseBody Body)> SendAsync(HttpRequestMessage request, Exchange exchange)
    {
        var listener = exchange.Listener;
        var content = request.Content;
        var contentLength = content?.Headers.ContentLength;
        var extendedConnect = IsExtendedConnect(request);
        if (extendedConnect)
        {
            EnsureExtendedConnectAllowed(request);
        }

        var stream = new Http2ClientStream(exchange) { ContentLengthApplies = request.Method != HttpMethod.Head && request.Method != HttpMethod.Connect };
        var phase = "writing the request headers";
        var registration = exchange.Token.UnsafeRegister(static s => ((Http2Connection)((Http2ClientStream)s!).Exchange.Connection).Cancel((Http2ClientStream)s!), stream);
        try
        {
            var fields = Http2RequestHeaders.Build(request, Route, contentLength);
            listener.OnRequestHeadersStart(exchange.CallId);
            exchange.RequestStarted = true;
            QueueOpen(stream, fields, endStream: content is null && !extendedConnect); // An extended CONNECT's stream stays open for its DATA.
            if (!stream.Opened.Task.IsCompleted)
            {
                // Wait until the writer put the HEADERS on the wire (or failed to open the stream: GOAWAY
                // first fails it unprocessed, so it is retried). The body needs the stream's id and
                // windows; and the read timeout limits the wait for the server, so it starts only once
                // the request head is sent, never while the head waits behind our own writer (a busy
                // machine could otherwise time a request out before a byte of it left). Time in the
                // writer's queue counts as writing.
                // Awaited as is (no WaitAsync, which would allocate per request): cancelling the
                // exchange (call token, this timeout) runs Cancel, which fails Opened.
                exchange.Arm(exchange.Settings.WriteTimeout, "write");
                try
                {
                    await stream.Opened.Task.ConfigureAwait(false);
                }
                finally
                {
                    exchange.Disarm();
                }
            }
            else
            {
                await stream.Opened.Task.ConfigureAwait(false); // Throws when the open failed.
            }

            listener.OnRequestHeadersEnd(exchange.CallId, request);
            if (content is not null)
            {
                // The upload runs beside the wait for the head: a server may answer before it read the
                // whole body (section 8.1), and a body blocked on flow control must not hide that answer.
                phase = "writing the request body";
                var upload = UploadAsync(content, stream);
                // An upload the server stopped (RST_STREAM NO_ERROR after a complete response) fails
                // only after the head was set, so a finished head makes that failure irrelevant.
                if (await Task.WhenAny(upload, stream.Head.Task).ConfigureAwait(false) == upload && !stream.Head.Task.IsCompletedSuccessfully)
                {
                    await upload.ConfigureAwait(false);
                }
                else
                {
                    _ = ObserveAsync(upload); // Finishes or is aborted with the stream; its failure no longer matters.
                }
            }

            phase = "reading the response headers";
            listener.OnResponseHeadersStart(exchange.CallId);
            List<HpackHeaderField> head;
            exchange.Arm(exchange.Settings.ReadTimeout, "read");
            try
            {
                head = await stream.Head.Task.WaitAsync(exchange.Token).ConfigureAwait(false);
            }
            finally
            {
                exchange.Disarm();
            }

            exchange.ResponseBytesReceived = true;
            var (response, body) = extendedConnect
                ? CreateExtendedConnectResponse(request, head, stream, registration)
                : CreateResponse(request, head, stream, registration);
            listener.OnResponseHeadersEnd(exchange.CallId, response);
            return (response, body);
        }
        catch (Exception e)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            Cancel(stream);
            exchange.ResponseBytesReceived |= stream.ResponseStarted;
            throw exchange.MapFailure(e, phase);
        }
    }

    private async Task UploadAsync(HttpContent content, Http2ClientStream stream)
    {
        var exchange = stream.Exchange;
        exchange.Listener.OnRequestBodyStart(exchange.CallId);
        await using var upload = new Http2RequestBodyStream(this, stream);
        await content.CopyToAsync(upload, exchange.Token).ConfigureAwait(false);
        QueueData(stream, ReadOnlyMemory<byte>.Empty, endStream: true);
        exchange.Listener.OnRequestBodyEnd(exchange.CallId, upload.BytesWritten);
    }

    private static async Task ObserveAsync(Task upload)
    {
        try
        {
            await upload.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The response already arrived; a body the server stopped wanting (or a failing content)
            // ends here, observed, instead of as an unobserved task exception.
        }
    }

    /// <summary>Abandons a stream (cancellation, dispose before the end): RST_STREAM(CANCEL) if it is still open.</summary>
    internal void Cancel(Http2ClientStream stream)
    {
        QueueReset(stream, Http2ErrorCode.Cancel);
        ReturnCredit(stream.Fail(new OperationCanceledException($"Stream {stream.Id} on {Route} was canceled.")));
    }

    /// <summary>Acknowledges body bytes the application consumed (section 6.9): WINDOW_UPDATE when enough is owed.</summary>
    internal void OnConsumed(Http2ClientStream stream, int count)
    {
        QueueWindowUpdate(0, _core.ReceiveWindow.OnDataConsumed(count));
        bool open;
        lock (_lock)
        {
            open = stream.State is { State: not Http2StreamState.Closed and not Http2StreamState.HalfClosedRemote };
        }

        var increment = stream.ReceiveWindow!.OnDataConsumed(count);
        if (open)
        {
            QueueWindowUpdate(stream.Id, increment); // No credit for a stream the server has finished.
        }
    }

    private (InstrumentedResponse, Http2ResponseStream) CreateResponse(HttpRequestMessage request, List<HpackHeaderField> head, Http2ClientStream stream, CancellationTokenRegistration registration)
    {
        var status = int.Parse(head.Find(f => f.Name == ":status").Value, System.Globalization.CultureInfo.InvariantCulture);
        var response = new InstrumentedResponse((HttpStatusCode)status)
        {
            Version = HttpVersion.Version20,
            RequestMessage = request,
        };
        var body = new Http2ResponseStream(this, stream, response, registration);
        var content = new StreamContent(body);
        foreach (var field in head)
        {
            if (field.Name.StartsWith(':'))
            {
                continue;
            }

            if (!response.Headers.TryAddWithoutValidation(field.Name, field.Value))
            {
                content.Headers.TryAddWithoutValidation(field.Name, field.Value);
            }
        }

        response.Content = content;
        return (response, body);
    }
}
